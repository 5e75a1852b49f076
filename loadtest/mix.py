"""A visitor log's question mix: each request repeats an earlier question or asks a new one.

`python -m loadtest.mix --requests 20000 --repeat 0.5` writes it as JSON lines. A repeat is
drawn from every request before it, so a question asked often is asked again more often, as
on a real site; a new question is the next one of the bundled sets, then SQuAD v1.1 dev's.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLED = tuple(REPO / "bench/questions" / f"{name}.jsonl"
                for name in ("sample", "corpus", "siblings", "holdout"))
SQUAD_DEV = REPO.parent / "shared/bench/squad/dev-v1.1.json"


def distinct_questions() -> list[str]:
    """Every question on hand, each once, in a fixed order: the site's own sets first."""
    seen: dict[str, None] = {}
    for path in BUNDLED:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(" ".join(json.loads(line)["question"].split()))
    if SQUAD_DEV.is_file():
        for article in json.loads(SQUAD_DEV.read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    seen.setdefault(" ".join(qa["question"].split()))
    return list(seen)


def mix(new: Iterator[str], requests: int, repeat: float = 0.5,
        seed: int = 13) -> list[str]:
    """`requests` questions: with probability `repeat` one asked before, else the next new
    one. Raises ValueError when the new questions run out first."""
    rng = random.Random(seed)
    log: list[str] = []
    for _ in range(requests):
        if log and rng.random() < repeat:
            log.append(rng.choice(log))
            continue
        question = next(new, None)
        if question is None:
            raise ValueError(f"only {len(set(log))} new questions for {requests} requests")
        log.append(question)
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeat", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=REPO / "var/bench/mix.jsonl")
    args = parser.parse_args()
    try:
        log = mix(iter(distinct_questions()), args.requests, args.repeat, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps({"question": q}) + "\n" for q in log),
                        encoding="utf-8")
    repeats = len(log) - len(set(log))
    print(f"{len(log)} requests, {len(set(log))} distinct questions, "
          f"{repeats / len(log):.1%} repeat an earlier one -> {args.out}")


if __name__ == "__main__":
    main()
