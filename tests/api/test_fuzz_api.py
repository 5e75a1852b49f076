"""Schemathesis against the app's own OpenAPI schema, in process: every response is documented,
well-formed JSON, and never a 5xx. A fixed seed and a bounded budget keep it in `make test`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.python.asgi import get_client

from tests.api.conftest import ADMIN_TOKEN, api_settings

EXAMPLES = 200  # per operation: about a minute for the whole API on two cores


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path) -> Any:
    from chat_api.server.app import create_app

    app = create_app(api_settings(sample_index_dir,
                                  tmp_path_factory.mktemp("fuzz") / "feedback.sqlite3"))
    # Schemathesis starts the app's lifespan once per process; wait for the engine, so the
    # run exercises answers rather than 503s.
    with get_client(app) as client:
        deadline = time.monotonic() + 120
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the app did not become ready"
            time.sleep(0.05)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_the_api_keeps_its_contract(api_schema: Any) -> None:
    """Each operation in turn: its own Hypothesis run, so a failure names its route."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /api/chat", "POST /api/feedback",
                                               "GET /api/search", "GET /api/stats"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            # With the admin token, the admin routes' own checks are reached too.
            case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})

        try:
            fuzz()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
