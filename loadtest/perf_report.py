"""The perf report: each govqa figure beside the plain pipeline's, its target, and if it is met."""

from __future__ import annotations

from typing import Any

READER_P50_MS = 50  # issue #24's bound on the engine with the reader (was 25 for the first)
READER_P99_MS = 120
HYBRID_P50_MS = 5
HYBRID_P99_MS = 15
HTTP_OVERHEAD_MS = 3


def ratio(ours: float, theirs: float, higher_is_better: bool = False) -> str:
    if not ours or not theirs:
        return "–"
    r = ours / theirs if higher_is_better else theirs / ours
    return f"{r:.1f}× {'better' if r >= 1 else 'worse'}"


def table(r: dict[str, Any]) -> str:
    e, b, h, i = (r.get(k, {}) for k in ("engine", "baseline", "http", "ingest"))
    rows = [("figure", "govqa", "plain pipeline", "govqa vs plain", "target", "met")]

    def add(
        name: str,
        ours: float,
        theirs: float | None,
        fmt: str,
        target: str,
        ok: bool,
        higher: bool = False,
    ) -> None:
        rows.append(
            (
                name,
                fmt.format(ours),
                "–" if theirs is None else fmt.format(theirs),
                "–" if theirs is None else ratio(ours, theirs, higher),
                target,
                "yes" if ok else "**no**",
            )
        )

    reader = (e.get("default_mode") or h.get("default_mode")) == "reader"
    for name in ("sample", "corpus"):
        if not e:
            break
        base = b.get(f"{name}_latency", {})
        # The reader reads 8 sentences per question: issue #24's bound for it is 50 ms at
        # p50 and 120 ms at p99 (it was 25 / 60 for the first, 3-layer reader); the
        # feature-only mode keeps the original 5 ms and 3x-plain targets.
        for suffix, label in (("", e.get("default_mode", "hybrid")), ("_hybrid", "hybrid")):
            if f"{name}_1t{suffix}" not in e:
                continue
            ours = e[f"{name}_1t{suffix}"]
            fast = label == "hybrid"
            add(
                f"engine p50, {name} index (1 thread, {label})",
                ours["p50"],
                base.get("p50"),
                "{:.2f} ms",
                f"≤ {HYBRID_P50_MS} ms, ≥ 3× plain" if fast else f"≤ {READER_P50_MS} ms",
                (ours["p50"] <= HYBRID_P50_MS and base.get("p50", 0) / ours["p50"] >= 3)
                if fast else ours["p50"] <= READER_P50_MS,
            )
            add(
                f"engine p99, {name} index (1 thread, {label})",
                ours["p99"],
                base.get("p99"),
                "{:.2f} ms",
                f"≤ {HYBRID_P99_MS} ms" if fast else f"≤ {READER_P99_MS} ms",
                ours["p99"] <= (HYBRID_P99_MS if fast else READER_P99_MS),
            )
            add(
                f"engine p50, {name} index (2 threads, {label})",
                e[f"{name}_2t{suffix}"]["p50"],
                None,
                "{:.2f} ms",
                f"≤ {HYBRID_P50_MS} ms" if fast else f"≤ {READER_P50_MS} ms",
                e[f"{name}_2t{suffix}"]["p50"] <= (HYBRID_P50_MS if fast else READER_P50_MS),
            )
            add(
                f"answer accuracy, {name} set ({label})",
                e[f"{name}_accuracy{suffix}"] * 100,
                b[f"{name}_accuracy"] * 100 if b else None,
                "{:.1f}%",
                "≥ plain",
                e[f"{name}_accuracy{suffix}"] >= b.get(f"{name}_accuracy", 0),
                higher=True,
            )
    for name, run in r.get("rerank", {}).items():
        added = run["with"]["p50"] - run["without"]["p50"]
        add(f"rerank cost, {name} index (hybrid p50, with − without)", added, None,
            "{:+.2f} ms", "≤ +3 ms", added <= 3)
    if h:
        add(
            "cold start to ready",
            h["cold_start_s"],
            b.get("corpus_cold_start_s"),
            "{:.2f} s",
            "≤ 2 s",
            h["cold_start_s"] <= 2,
        )
    # One connection: the engine's p50 bound plus the few ms HTTP adds (8 − 5 for the
    # feature-only mode, whose targets came first).
    http_p50 = (READER_P50_MS if reader else HYBRID_P50_MS) + HTTP_OVERHEAD_MS
    if "workers_1" in h:
        for workers in (1, 2):
            for run in h[f"workers_{workers}"]["runs"]:
                c = run["connections"]
                add(
                    f"HTTP /api/chat, {workers} worker(s), {c} conn: p50",
                    run["p50_ms"],
                    None,
                    "{:.2f} ms",
                    f"≤ {http_p50:g} ms" if c == 1 else "–",
                    run["p50_ms"] <= http_p50 or c > 1,
                )
                add(
                    f"HTTP /api/chat, {workers} worker(s), {c} conn: req/s",
                    run["rps"],
                    None,
                    "{:.0f}",
                    "≥ 150, no errors" if workers == 2 and c == 16 else "–",
                    (run["rps"] >= 150 and run["errors"] == 0) or workers == 1 or c != 16,
                )
                add(
                    f"HTTP /api/chat, {workers} worker(s), {c} conn: errors",
                    run["errors"],
                    None,
                    "{:.0f}",
                    "0",
                    run["errors"] == 0,
                )
            rss = h[f"workers_{workers}"]["max_worker_rss_mb"]
            add(
                f"peak RSS per worker ({workers} worker(s))",
                rss,
                b.get("corpus_peak_rss_mb"),
                "{:.0f} MB",
                "≤ 300 MB",
                rss <= 300,
            )
    add(
        "ingest, cold (sample + corpus)", i["cold_chunks_per_s"], None, "{:.1f} chunks/s", "–", True
    )
    add(
        "ingest, unchanged corpus",
        i["unchanged_s"],
        None,
        "{:.2f} s",
        "≤ 10% of cold",
        i["unchanged_share"] <= 0.10,
    )
    add(
        "ingest, unchanged / cold",
        i["unchanged_share"] * 100,
        None,
        "{:.1f}%",
        "≤ 10%",
        i["unchanged_share"] <= 0.10,
    )
    if "scale" in r:
        s = r["scale"]
        add(
            f"{s['chunks']:,} chunks: query p50 (encode + HNSW + BM25 + fusion)",
            s["query_p50_ms"],
            None,
            "{:.2f} ms",
            "≤ 10 ms",
            s["query_p50_ms"] <= 10,
        )
        add(
            f"{s['chunks']:,} chunks: recall@10 of HNSW vs exact",
            s["recall_at_10"],
            None,
            "{:.3f}",
            "≥ 0.98",
            s["recall_at_10"] >= 0.98,
        )
        add(
            f"{s['chunks']:,} chunks: exact search p50 (for scale)",
            s["exact_search_p50_ms"],
            None,
            "{:.2f} ms",
            "–",
            True,
        )
        add(
            f"{s['chunks']:,} chunks: build (embed + HNSW)",
            s["embed_s"] + s["hnsw_build_s"],
            None,
            "{:.0f} s",
            "–",
            True,
        )
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)
