"""Train-site FAQ questions over one index of their sites, headings masked: an in-domain set to
fit the section rerank on beside the bundled sets.

    python -m tuning.faq_set [--out var/tune/train-faq] [--min-pairs 10] [--max-pages 400]
                             [--without-folds K]

The `train` sites of `../shared/train/isomer` with at least `--min-pairs` kept FAQ pairs
(`isomer.faq.keep`) and at most `--max-pages` pages (the two 1,200-page business-guide sites
would triple the build for one kind of page) go into one index, each under a base URL of its
own, with every kept question heading masked as in `python -m bench.faq`; the questions,
each with its answer page as the gold, are written beside it as `faq.jsonl`. Then

    python -m tuning.rerank ... var/tune/train-faq/faq.jsonl@var/tune/train-faq/index

With `--without-folds K`, the answer pages are split into K groups (as `python -m bench.faq`
does for the dev sites) and each group's questions are asked again of an index without
them: on-topic questions the pages no longer answer, to measure abstention on
(`python -m tuning.calibrate ... --eval SET@INDEX`).

No `dev` site is read: `keep` refuses their pairs and only `train` repositories are listed.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ingest.pipeline import ingest_sources
from ingest.sites import Site
from isomer.faq import (
    ISOMER,
    Item,
    data_chunks,
    find,
    items_of,
    keep,
    mask,
    norm,
    questions_file,
    read_pairs,
    without_folds,
    write_without,
)
from retriever.index import write_index
from tuning.blind import BLIND_SETS
from tuning.groups import blind_questions, qnorm

REPO = Path(__file__).resolve().parents[1]


def chosen(isomer: Path, pairs: list[dict[str, object]], min_pairs: int,
           max_pages: int) -> list[str]:
    """The train repositories with enough kept pairs and few enough pages, most pairs first."""
    kept = Counter(str(p["repo"]) for p in pairs if keep(p, "train") is None)
    out = []
    for repo, n in kept.most_common():
        folder = isomer / "pages" / repo.replace("/", "+")
        if n >= min_pairs and folder.is_dir() and \
                sum(1 for f in folder.rglob("*") if f.is_file()) <= max_pages:
            out.append(repo)
    return out


def build(isomer: Path, out: Path, min_pairs: int = 10, max_pages: int = 400,
          blind: Iterable[Path] = BLIND_SETS, folds: int = 0
          ) -> tuple[list[str], list[Item], Counter[str]]:
    """Write `out/index` and `out/faq.jsonl`, and with `folds`, per group of answer pages
    `out/index-without-K` and its now unanswerable `out/faq-without-K.jsonl`; return the
    sites, the questions, and the pairs left out by reason. A question of a blind set is
    left out wherever it turns up."""
    pairs = read_pairs(isomer / "faq_pairs.jsonl")
    repos = chosen(isomer, pairs, min_pairs, max_pages)
    bases = {repo: f"https://{repo.split('/')[-1]}.train.invalid" for repo in repos}
    result = ingest_sources(sites=[Site(bases[r], [str(isomer / "pages" / r.replace("/", "+"))])
                                   for r in repos])
    mine = [p for p in pairs if p["repo"] in bases]
    shown = result.chunks + data_chunks(mine, result.pages, bases)
    found, left = find(mine, result.pages, shown, bases, "train")
    never = blind_questions(blind)
    left["a blind set's question"] += sum(qnorm(f.question) in never for f in found)
    items = items_of([f for f in found if qnorm(f.question) not in never], shown)
    chunks = mask(shown, {norm(i.question) for i in items})
    out.mkdir(parents=True, exist_ok=True)
    write_index(out / "index", result.pages, chunks)
    questions_file(out / "faq.jsonl", items, True)
    for k, gone, fold_items in without_folds(items, folds):
        write_without(out / f"index-without-{k}", out / "index", result.pages, chunks, gone)
        questions_file(out / f"faq-without-{k}.jsonl", fold_items, False)
    return repos, items, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "var" / "tune" / "train-faq")
    parser.add_argument("--min-pairs", type=int, default=10)
    parser.add_argument("--max-pages", type=int, default=400)
    parser.add_argument("--without-folds", type=int, default=0, metavar="K",
                        help="also write K indexes, each without a K-th of the answer pages, "
                             "and their questions as unanswerable (faq-without-K.jsonl)")
    args = parser.parse_args()
    repos, items, left = build(ISOMER, args.out, args.min_pairs, args.max_pages,
                               folds=args.without_folds)
    print(f"{len(repos)} train sites; {len(items)} FAQ questions written to "
          f"{args.out / 'faq.jsonl'}, their index to {args.out / 'index'}; left out: "
          f"{dict(left)}")


if __name__ == "__main__":
    main()
