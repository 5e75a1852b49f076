"""The import contracts in pyproject.toml hold, and they catch an upward import or a cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("govqa", "ingest", "retriever", "chat_api", "bench", "tuning", "reader", "loadtest")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def copy_of_repo(tmp_path: Path) -> Path:
    """The packages and pyproject.toml alone, to break on purpose."""
    for name in PACKAGES:
        shutil.copytree(REPO / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "models", "questions"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_repository_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


@pytest.mark.parametrize(("module", "line", "broken"), [
    # The retriever reaching up into the service.
    ("retriever/terms.py", "import chat_api.server.app  # noqa", "The runtime is layered"),
    # The store reaching up into the HTTP app, and Slack into its sibling, the insights.
    ("chat_api/store/feedback.py", "import chat_api.server.app  # noqa",
     "The service's rooms"),
    ("chat_api/slack/blocks.py", "import chat_api.insights.data  # noqa",
     "The service's rooms"),
    # The runtime reaching into the fitting code.
    ("retriever/engine.py", "import tuning.calibrate  # noqa", "The runtime never imports"),
    # Training reaching into the bench harness rather than its question and metric modules.
    ("reader/indomain.py", "import bench.runner  # noqa", "Training and fitting read"),
    # A cycle between two siblings: features already imports context.
    ("retriever/context.py", "import retriever.features  # noqa", "No import cycles"),
])
def test_a_deliberate_violation_breaks_its_contract(copy_of_repo: Path, module: str, line: str,
                                                    broken: str) -> None:
    assert lint_imports(copy_of_repo).returncode == 0
    _append(copy_of_repo / module, line)
    result = lint_imports(copy_of_repo)
    assert result.returncode == 1, result.stdout
    broken_lines = [ln for ln in result.stdout.splitlines() if " BROKEN" in ln]
    assert any(ln.startswith(broken) for ln in broken_lines), result.stdout
