"""A worker's memory across hot reloads: `govqa serve`, N admin reloads, RSS after each ten.

    python -m loadtest.reloads [--index var/index] [--reloads 50]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx

from loadtest.perf_http import Server

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-reloads"
QUESTION = {"question": "which countries attended DGX?"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=REPO / "var/index")
    parser.add_argument("--reloads", type=int, default=50)
    args = parser.parse_args()
    with Server(args.index, env={"GOVQA_ADMIN_TOKEN": TOKEN}) as server, \
            httpx.Client(base_url=server.url, timeout=120) as client:
        client.post("/api/chat", json=QUESTION).raise_for_status()
        rows = [(0, max(server.rss_mb().values()))]
        for n in range(1, args.reloads + 1):
            client.post("/api/admin/reload",
                        headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
            client.post("/api/chat", json=QUESTION).raise_for_status()  # the new engine works
            if n % 10 == 0 or n == args.reloads:
                rows.append((n, max(server.rss_mb().values())))
        peak = max(server.peak_rss_mb().values())
    print("| reloads | worker RSS |\n|---|---|")
    for n, rss in rows:
        print(f"| {n} | {rss:.0f} MB |")
    print(f"\n{rows[0][1]:.0f} → {rows[-1][1]:.0f} MB over {args.reloads} reloads "
          f"(peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
