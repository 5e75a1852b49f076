"""Compare two benchmark runs answer by answer: did a change alter any answer?

    python -m bench.compare BEFORE AFTER [--tolerance 1e-6]

BEFORE and AFTER are `govqa bench` output folders (or their results.jsonl files), or folders
holding several of them side by side, matched by sub-folder name. Every question, in every
mode, must give the same answer, citation, confidence (within the tolerance), correctness
and ranks; latency is not compared. Exits 1 and lists each difference when any is found.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = "results.jsonl"
# Timing differs run to run; everything else a question's result holds must not.
IGNORED = frozenset({"latency_ms"})
NUMERIC = frozenset({"confidence", "em", "f1"})


@dataclass
class Difference:
    run: str
    key: str  # question id and mode
    field: str
    before: Any
    after: Any


def runs(root: Path) -> dict[str, Path]:
    """The results files under `root`, by the name of the run they belong to."""
    if root.is_file():
        return {root.parent.name: root}
    if (root / RESULTS).is_file():
        return {root.name: root / RESULTS}
    found = {p.parent.relative_to(root).as_posix(): p for p in sorted(root.rglob(RESULTS))}
    if not found:
        raise SystemExit(f"error: no {RESULTS} under {root}")
    return found


def _single(root: Path) -> bool:
    return root.is_file() or (root / RESULTS).is_file()


def load(path: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                rows[f"{r['id']} [{r['mode']}]"] = r
    return rows


def _same(field: str, a: Any, b: Any, tolerance: float) -> bool:
    if field in NUMERIC and isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=tolerance)
    return bool(a == b)


def compare_run(name: str, before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]],
                tolerance: float) -> list[Difference]:
    out = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            out.append(Difference(name, key, "(question)", "present" if a else "missing",
                                  "present" if b else "missing"))
            continue
        for field in sorted((a.keys() | b.keys()) - IGNORED):
            if not _same(field, a.get(field), b.get(field), tolerance):
                out.append(Difference(name, key, field, a.get(field), b.get(field)))
    return out


def compare(before: Path, after: Path, tolerance: float = 1e-6
            ) -> tuple[dict[str, int], list[Difference]]:
    """Questions compared per run, and every difference found."""
    old, new = runs(before), runs(after)
    if _single(before) and _single(after):
        old = {name: path for name in new for path in old.values()}  # one run against one
    if set(old) != set(new):
        raise SystemExit(f"error: the runs differ: only before {sorted(set(old) - set(new))}, "
                         f"only after {sorted(set(new) - set(old))}")
    counts, diffs = {}, []
    for name in sorted(old):
        a, b = load(old[name]), load(new[name])
        counts[name] = len(a)
        diffs += compare_run(name, a, b, tolerance)
    return counts, diffs


def _short(value: Any, width: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[:width - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tolerance", type=float, default=1e-6,
                        help="largest difference allowed in confidence, EM and F1")
    args = parser.parse_args(argv)
    counts, diffs = compare(args.before, args.after, args.tolerance)
    changed: dict[str, set[str]] = {}
    for d in diffs:
        changed.setdefault(d.run, set()).add(d.key)
        print(f"{d.run}: {d.key}: {d.field}")
        print(f"  before {_short(d.before)}\n  after  {_short(d.after)}")
    for name, n in counts.items():
        print(f"{name}: {n} results, {len(changed.get(name, ()))} changed")
    total = sum(len(v) for v in changed.values())
    print(f"{sum(counts.values())} results compared, {total} changed")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
