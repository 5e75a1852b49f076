"""The dev-site FAQ benchmark: the sites' own FAQ questions, asked with their headings masked,
must find their answer page; asked without that page in the index, they must abstain.

    python -m bench.faq [--sites bench/sites/dev-sites.yml] [--out var/bench/dev-faq] [--model M]
                        [--vectors-from var/dev-index]
                        [--mode reader] [--folds 5]

From `../shared/train/isomer/faq_pairs.jsonl`, the `dev` pairs only (never trained or fitted
on) that pass `isomer.faq.keep`, each matched to the section of its page whose heading is the
question. The index holds the five dev sites with every such heading replaced by `MASK`
(and so also in the section paths and child titles that retrieval reads): a question cannot
be found by its own words on the page, only by what its answer says. Each question's gold is
its page (a full URL) and the first words of its answer's first sentence.

Then the answer pages are split into `--folds` groups; for each, an index without that
group's pages is asked that group's questions, now unanswerable: the bot should abstain.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from bench.questions import Question
from isomer.faq import (
    PAIRS,
    find,
    items_of,
    mask,
    norm,
    questions_file,
    read_pairs,
    repo_of,
    without_folds,
    write_without,
)

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "bench" / "sites" / "dev-sites.yml"


def run_set(path: Path, index: Path, out: Path, mode: str,
            reader: Path | None) -> dict[str, Any]:
    from bench.questions import load_questions
    from bench.report import write_reports
    from bench.run import BenchRun
    from bench.runner import EngineTarget, run_questions

    target = EngineTarget.load(index, reader=reader)
    questions: list[Question] = load_questions(path)
    results = run_questions(questions, target, (mode,))
    run = BenchRun(path.stem, "jsonl", str(path), target.name, results,
                   {"index_dir": str(index), "questions_asked": len(questions)})
    write_reports(run, out)
    overall: dict[str, Any] = run.summaries()[mode]["overall"]
    return overall


def main() -> None:
    from govqa.settings import CliSettings
    from ingest.pipeline import ingest_sources
    from ingest.sites import read_sites_file
    from retriever.index import write_index
    from retriever.reader import reader_setting

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=Path, default=SITES)
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "dev-faq")
    parser.add_argument("--mode", default="reader", choices=("reader", "hybrid"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--vectors-from", type=Path, default=None, metavar="INDEX",
                        help="an index of the same sites (govqa ingest --sites) whose vectors "
                             "are reused where the text is unchanged")
    parser.add_argument("--model", default=None,
                        help="embedding model (default: the shipped one); e.g. the base "
                             "sentence-transformers/all-MiniLM-L6-v2 for the before figures")
    args = parser.parse_args()
    reader = reader_setting(CliSettings().reader)  # GOVQA_READER, as `govqa bench` reads it
    if reader is None and args.mode == "reader":
        parser.error("GOVQA_READER is off: give --mode hybrid")
    sites = read_sites_file(args.sites)
    result = ingest_sources(sites=sites)
    repo_sites = {repo_of(source): site.url for site in sites for source in site.sources}
    found, left = find(read_pairs(args.pairs), result.pages, result.chunks, repo_sites, "dev")
    items = items_of(found, result.chunks)
    print(f"{len(items)} dev FAQ questions kept; left out: {dict(left)}")
    chunks = mask(result.chunks, {norm(i.question) for i in items})
    args.out.mkdir(parents=True, exist_ok=True)
    masked_index = args.out / "index"
    if args.vectors_from is not None and not masked_index.exists():
        # Unchanged texts keep their vectors (by content hash, same weights only).
        shutil.copytree(args.vectors_from, masked_index, symlinks=True)
    write_index(masked_index, result.pages, chunks, model=args.model)
    masked = run_set(questions_file(args.out / "faq.jsonl", items, True), masked_index,
                     args.out / "masked", args.mode, reader)
    summary: dict[str, Any] = {"kept": len(items), "left_out": dict(left), "masked": masked}
    removed: list[dict[str, Any]] = []
    for k, gone, fold_items in without_folds(items, args.folds):
        index = write_without(args.out / f"index-without-{k}", masked_index, result.pages,
                              chunks, gone, model=args.model)
        path = questions_file(args.out / f"faq-without-{k}.jsonl", fold_items, False)
        overall = run_set(path, index, args.out / f"without-{k}", args.mode, reader)
        removed.append({"questions": overall["questions"],
                        "abstained": round(overall["accuracy"] * overall["questions"])})
        shutil.rmtree(index, ignore_errors=True)
    asked = sum(r["questions"] for r in removed)
    summary["removed"] = {"questions": asked,
                          "abstained": sum(r["abstained"] for r in removed)}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    m = masked
    print(f"heading masked ({m['questions']} questions, {args.mode}): answer page first "
          f"{m['hit@1']:.1%}, in the top 5 {m['hit@5']:.1%}, MRR {m['mrr']:.3f}; cited "
          f"{m['citation_accuracy'] or 0:.1%}; answers hold the gold "
          f"{m['answer_accuracy'] or 0:.1%}; false abstentions {m['false_abstain_rate']:.1%}")
    if asked:
        print(f"answer page removed ({asked} questions): abstained on "
              f"{summary['removed']['abstained'] / asked:.1%}")


if __name__ == "__main__":
    main()
