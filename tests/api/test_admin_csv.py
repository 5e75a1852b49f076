"""CSV exports: a cell a spreadsheet would run as a formula is neutralised, as OWASP says."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chat_api.server.routes.dashboard import _csv
from tests.api.conftest import wait_logged

PLANTED = '=HYPERLINK("http://evil.example/","help")'


@pytest.mark.parametrize(("value", "cell"), [
    # What OWASP lists: a cell starting with = + - @, tab, carriage return or line feed ...
    ("=1+2", "'=1+2"),
    ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+2", "'\t=1+2"),
    ("\r=1+2", "'\r=1+2"),
    ("\n=1+2", "'\n=1+2"),
    # ... also behind leading spaces, which spreadsheets skip ...
    (" =1+2", "' =1+2"),
    ("   @SUM(A1)", "'   @SUM(A1)"),
    (" +1", "' +1"),
    (" -1", "' -1"),
    # ... and the full-width forms, which East Asian spreadsheets take as the same.
    ("＝1+2", "'＝1+2"),
    ("＋1", "'＋1"),
    ("－1", "'－1"),
    ("＠SUM(A1)", "'＠SUM(A1)"),
    (" ＝1+2", "' ＝1+2"),
    # Data that merely looks like a formula is prefixed too: OWASP makes no exception for
    # negative numbers or a leading dash, and a reader sees the value after the quote.
    ("-3", "'-3"),
    (-3, "'-3"),
    (-0.25, "'-0.25"),
    ("- see the list", "'- see the list"),
    ("@govtech when is DGX?", "'@govtech when is DGX?"),
    # Everything else is left as it is.
    ("how do I renew my parking permit?", "how do I renew my parking permit?"),
    ("a=b+c", "a=b+c"),
    ("  plain text after spaces", "  plain text after spaces"),
    ('he said "=1", then; left', 'he said "=1", then; left'),
    (3, "3"),
    (0.25, "0.25"),
    ("", ""),
    (None, ""),
])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value: Any, cell: str) -> None:
    exported = _csv([{"question": value, "count": 2}], ["question", "count"])
    # Every cell quoted (OWASP's advice: the quotes keep a separator inside the cell).
    quoted = cell.replace('"', '""')
    assert exported == f'"question","count"\r\n"{quoted}","2"\r\n'
    assert list(csv.reader(io.StringIO(exported, newline=""))) == [["question", "count"],
                                                                  [cell, "2"]]


def test_a_list_cell_is_neutralised_as_a_whole() -> None:
    exported = _csv([{"suggested": [{"url": "=cmd|' /C calc'!A0"}, {"url": "https://x.gov"}]}],
                    ["suggested"])
    assert exported == '"suggested"\r\n"\'=cmd|\' /C calc\'!A0; https://x.gov"\r\n'


def test_an_exported_question_that_is_a_formula_stays_text(
        make_client: Callable[..., TestClient], sample_engine: Any,
        admin_headers: dict[str, str]) -> None:
    client = make_client(engine_loader=lambda *args, **kwargs: sample_engine)
    assert client.post("/api/chat", json={"question": PLANTED}).json()["answered"] is False
    wait_logged(client, 1)

    export = client.get("/admin/export/gaps.csv", headers=admin_headers)

    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text, newline="")))
    assert rows[0] == ["question", "count", "last_asked", "variants", "suggested"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("'" + PLANTED, "1")]
    assert export.text.splitlines()[1].startswith('"\'=HYPERLINK(""http://evil.example/""')
