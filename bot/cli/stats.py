"""``python -m bot stats``: anonymous counters as CSV, and where people leave each flow."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from typing import Any

from ..config import Settings
from ..engine.loader import load_or_raise
from ..store.stats import dropoff


async def _rows(settings: Settings) -> list[tuple[str, str, str, int]]:
    if not settings.redis_url:
        return []
    # only with REDIS_URL: the CSV of a memory-mode bot is empty and needs no redis client
    from ..store.redis import RedisStateStore  # noqa: PLC0415
    from ..store.stats import RedisStats  # noqa: PLC0415

    store = RedisStateStore(settings.redis_url)
    try:
        await store.ping()
        return await RedisStats(store.client).rows()
    finally:
        await store.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        print("Statistics are kept in Redis: set REDIS_URL (in-memory counters of a running "
              "bot are served at /metrics: docs/deployment.md, section 9).", file=sys.stderr)
        return 2
    rows = asyncio.run(_rows(settings))
    writer = csv.writer(sys.stdout)
    if args.dropoff:
        bundle = load_or_raise(settings.flows_dir)
        edges = {n.key: [b.goto for b in n.buttons if b.goto]
                 for f in bundle.flows.values() for n in f.nodes.values()}
        writer.writerow(["node", "shown", "left_here"])
        for node, shown, left in dropoff(rows, edges):
            writer.writerow([node, shown, left])
        return 0
    writer.writerow(["day", "lang", "node", "count"])
    for row in rows:
        writer.writerow(row)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("stats", help="anonymous usage counters (CSV)")
    parser.add_argument("--dropoff", action="store_true",
                        help="per node: times shown and times nobody went further")
    parser.set_defaults(func=run)
