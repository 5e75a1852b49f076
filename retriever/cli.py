"""`govqa ask`: answer one question from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("question")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
              help="Index directory (default: $GOVQA_INDEX_DIR or var/index).")
@click.option("--model", default=None, help="Model name or path; must match the index.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer JSON of /api/chat.")
@click.option("--conversation", "conversation_id", default=None,
              help="Conversation id (follow-ups only resolve within one process).")
def ask(question: str, index_dir: Path | None, model: str | None, as_json: bool,
        conversation_id: str | None) -> None:
    """Answer QUESTION with text quoted from the pages, and cite where it came from."""
    from govqa.settings import CliSettings
    from retriever.engine import Engine, validate_question
    from retriever.reader import reader_setting

    validate_question(question)  # a bad question fails before the index loads
    settings = CliSettings()
    engine = Engine.load(index_dir or settings.index_dir, model=model or settings.model,
                         reader=reader_setting(settings.reader))
    answer = engine.ask(question, conversation_id=conversation_id)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)  # long URLs stay whole
    if answer.answered and answer.items:
        lead = answer.citations[0]
        if lead is not answer.items[0].citation:
            console.print(lead.quote, markup=False)
        for item in answer.items:
            console.print(f"  • {item.text}", markup=False)
            console.print(f"    {item.citation.url}", markup=False)
        path = answer.items[0].citation.section_path
        console.print(f"\n— {path[0]} › {path[-2]}", style="bold", markup=False)
        console.print(f"\nconfidence {answer.confidence:.2f} · {answer.took_ms:.1f} ms",
                      style="dim")
    elif answer.answered and answer.answer:
        console.print(answer.answer, markup=False)
        for c in answer.citations:
            console.print(f"\n— {c.title} › {c.section}", style="bold", markup=False)
            console.print(f"  {c.url}", markup=False)
            console.print(f"  highlight: {c.highlight_url}", markup=False)
        console.print(f"\nconfidence {answer.confidence:.2f} · {answer.took_ms:.1f} ms",
                      style="dim")
    else:
        console.print("The site's pages don't say. These sections may help:", markup=False)
        for s in answer.suggestions:
            console.print(f"  • {s.title} › {s.section}: {s.url}", markup=False)
        console.print(f"\nconfidence {answer.confidence:.2f}", style="dim")
