"""`govqa insights`: the editors' dashboard summary in the terminal, as rich tables or JSON."""

from __future__ import annotations

import calendar
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from chat_api.insights.data import (
    CHANNELS,
    DAY_S,
    Encode,
    Filters,
    Insights,
    Suggest,
    engine_lookups,
)

DURATION = re.compile(r"(\d+)([hdw])")
ALL_DAYS_UP_TO = 14  # a range this short lists its quiet days too; a longer one only busy ones
PIPE_WIDTH = 160  # rich assumes 80 columns off a terminal, which folds every table


def _date(value: str, option: str) -> int:
    """The UTC midnight that starts day `value` (the log's days are UTC days)."""
    try:
        return calendar.timegm(time.strptime(value, "%Y-%m-%d"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-05-31",
                                 param_hint=option) from None


def parse_range(since: str, until: str | None, now: float | None = None) -> tuple[float, float]:
    """(start, end) in Unix seconds, end exclusive. --since is a date, or a duration counted
    back from the end of --until: whole days for d and w (7d is --until and the 6 days
    before, as on the dashboard), hours back from now (or from --until's end) for h."""
    now = time.time() if now is None else now
    end = (_date(until, "--until") if until else int(now) // DAY_S * DAY_S) + DAY_S
    text = since.strip().lower()
    match = DURATION.fullmatch(text)
    if match:
        n, unit = int(match[1]), match[2]
        if n < 1:
            raise click.BadParameter(f"{since!r} is an empty range", param_hint="--since")
        if unit == "h":
            start = min(float(now), float(end)) - n * 3600
        else:
            start = end - n * (7 if unit == "w" else 1) * DAY_S
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        start = _date(text, "--since")
    else:
        raise click.BadParameter(f"{since!r} is neither a duration like 7d, 24h or 2w nor "
                                 f"a date like 2024-05-31", param_hint="--since")
    if start >= end:
        raise click.BadParameter(f"{since!r} starts after --until ends", param_hint="--since")
    return float(start), float(end)


def _when(iso: str) -> str:
    return iso.replace("T", " ")[:16]  # to the minute: the seconds only crowd the table


def _place(title: str | None, section: str | None) -> str:
    return " › ".join(p for p in (title, section) if p) or "—"


def _linked(label: str, url: str) -> Any:
    from rich.text import Text

    text = Text(label)
    text.append(f"\n  {url}", style="dim")
    return text


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _range(data: Insights) -> str:
    f = data.filters
    # An hours-long range starts mid-day: show its hour, not just its day.
    start = time.strftime("%Y-%m-%d" if f.since % DAY_S == 0 else "%Y-%m-%d %H:%M UTC",
                          time.gmtime(f.since))
    return f"{start} to {data.to_dict()['until']}"


def _console() -> Any:
    from rich.console import Console

    width = None  # a terminal: rich measures it
    if not sys.stdout.isatty():
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else PIPE_WIDTH
    return Console(width=width, highlight=False, emoji=False)


def render(data: Insights) -> None:
    """Print `data` as the dashboard's tables. Every cell holding a visitor's words or a
    page's is a Text, so "[bold]" or "[link=…]" in them is printed as typed."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = _console()

    def table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
        t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        for c in columns:
            t.add_column(c, justify="right" if c in right else "left", overflow="fold")
        return t

    def show(t: Table, empty: str) -> None:
        if not t.row_count:
            t.caption, t.caption_justify = empty, "left"
        console.print(t)
        console.print()

    totals = data.totals
    summary = table("Summary", "", "")
    summary.show_header = False
    for label, value in [
        ("range", _range(data)), ("channel", data.filters.channel or "all"),
        ("questions", totals["questions"]), ("answered", totals["answered"]),
        ("abstained", totals["abstained"]), ("👍 helpful", totals["helpful"]),
        ("👎 not helpful", totals["unhelpful"]),
    ]:
        summary.add_row(label, Text(str(value)))
    show(summary, "")

    quiet_too = len(data.days) <= ALL_DAYS_UP_TO
    days = table("Per day", "day", "answered", "abstained", "helpful", "not helpful",
                 "p50 ms", "p95 ms",
                 right=("answered", "abstained", "helpful", "not helpful", "p50 ms", "p95 ms"))
    for d in data.days:
        if quiet_too or d["answered"] or d["abstained"] or d["helpful"] or d["unhelpful"]:
            days.add_row(d["day"], str(d["answered"]), str(d["abstained"]), str(d["helpful"]),
                         str(d["unhelpful"]), _ms(d["p50_ms"]), _ms(d["p95_ms"]))
    show(days, "no questions or votes in this range")

    gaps = table("Content gaps", "asked as", "times", "last asked (UTC)",
                 "closest sections", right=("times",))
    for g in data.gaps:
        asked = Text(g["question"])
        for variant in g["variants"]:
            asked.append(f"\n  also: {variant}", style="dim")
        closest = Text("\n".join(_place(s["title"], s["section"]) for s in g["suggested"])
                       or "—")
        gaps.add_row(asked, str(g["count"]), _when(g["last_asked"]), closest)
    show(gaps, "every question in this range was answered")

    disliked = table("Answers visitors disliked", "when (UTC)", "channel", "question",
                     "cited section", "comment")
    for d in data.disliked:
        disliked.add_row(_when(d["when"]), Text(d["channel"] or ""), Text(d["question"]),
                         Text(_place(d["title"], d["section"])), Text(d["comment"] or ""))
    show(disliked, "no 👎 in this range")

    # Each URL on its own line under its title, so it is not folded into a narrow column.
    sections = table("Most-cited sections", "section", "times", right=("times",))
    for s in data.sections:
        sections.add_row(_linked(_place(s["title"], s["section"]), s["url"]), str(s["count"]))
    show(sections, "no answers cited a section in this range")

    pages = table("Most-cited pages", "page", "times", right=("times",))
    for p in data.pages:
        pages.add_row(_linked(p["title"] or "—", p["url"]), str(p["count"]))
    show(pages, "no answers cited a page in this range")


def _open_store(url: str) -> Any:
    """The log's database, migrated as `govqa serve` would; a failure is one line, not
    FeedbackStore's warning about carrying on without it (a report cannot)."""
    from sqlalchemy.exc import SQLAlchemyError

    from chat_api.database_url import normalise
    from chat_api.store.db import migrate
    from chat_api.store.db.urls import connect, is_sqlite, sqlite_path
    from govqa.errors import StoreUnavailable

    url = normalise(url)
    path = sqlite_path(url) if is_sqlite(url) else None
    if path is not None and not path.exists():
        # Most likely run from another folder than the server's: an empty report would
        # read as "nobody asked anything", and a stray empty file would be left behind.
        raise StoreUnavailable(f"no question log at {path}: set GOVQA_FEEDBACK_DB to the "
                               f"file `govqa serve` writes, or GOVQA_DATABASE_URL")
    engine = connect(url)
    try:
        migrate.prepare(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreUnavailable(f"insights are unavailable: {where} does not answer "
                               f"({reason})") from None
    return engine


@click.command()
@click.option("--since", default="7d", show_default=True,
              help="First day: a duration back from --until (7d, 24h, 2w) or YYYY-MM-DD.")
@click.option("--until", default=None, help="Last day, included: YYYY-MM-DD [default: today].")
@click.option("--channel", type=click.Choice([*CHANNELS, "all"], case_sensitive=False),
              default="all", show_default=True, help="Questions asked through one channel.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Index to group gaps by meaning and suggest sections from "
                                 "[env GOVQA_INDEX_DIR; default var/index].")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows per table.")
@click.option("--json", "as_json", is_flag=True, help="Print the dashboard's JSON instead.")
def insights(since: str, until: str | None, channel: str, index_dir: Path | None, top: int,
             as_json: bool) -> None:
    """What visitors asked, what went unanswered or disliked, and which pages answered:
    the /admin dashboard's summary (GOVQA_DATABASE_URL, else GOVQA_FEEDBACK_DB)."""
    from chat_api.insights.data import collect
    from chat_api.settings import load_settings
    from govqa.errors import IndexMissing
    from retriever.engine import Engine

    start, end = parse_range(since, until)
    f = Filters(start, end, None if channel.lower() == "all" else channel.lower())
    settings = load_settings()
    db = _open_store(settings.store_url)
    try:
        index = index_dir or settings.index_dir
        encode: Encode | None = None
        suggest: Suggest | None = None
        try:
            engine = Engine.load(index, model=settings.model, threads=settings.engine_threads,
                                 reader=None)
        except IndexMissing:
            click.echo(f"note: no index in {index}: gaps are grouped by their words only, "
                       f"without suggested sections", err=True)
        else:
            encode, suggest = engine_lookups(engine)
        data = collect(db, f, encode, suggest, top=top)
    finally:
        db.dispose()
    if as_json:
        click.echo(json.dumps(data.to_dict(), ensure_ascii=False, indent=2))
    else:
        render(data)
