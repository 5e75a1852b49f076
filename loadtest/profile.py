"""Profile the query path: where one answer's time goes, over the bundled questions.

    python -m loadtest.profile --index var/corpus-index [bench/questions/corpus.jsonl]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.questions import load_questions
from retriever.engine import Engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("questions", type=Path, nargs="?",
                        default=Path(__file__).with_name("questions") / "corpus.jsonl")
    args = parser.parse_args()
    from pyinstrument import Profiler

    engine = Engine.load(args.index, cache_size=0)  # every question pays for its encoding
    questions = [q.question for q in load_questions(args.questions)]
    for question in questions[:20]:
        engine.ask(question)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for question in questions:
        engine.ask(question)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
