"""Anonymous statistics: how often each node is shown, per language and day.

No id, no text, no time finer than the day: a counter ``(day, lang, node) -> n``. Counts can
be small (one visit to a rare node) but nothing in them identifies anyone (docs/privacy.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

log = logging.getLogger(__name__)
STATS_PREFIX = "fwb:stats:"
STATS_TTL = 400 * 86400  # a bit over a year of daily counters


def day_key(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).date().isoformat()  # YYYY-MM-DD


class StatsSink(Protocol):
    async def add(self, day: str, items: Iterable[tuple[str, str]]) -> None: ...

    async def rows(self) -> list[tuple[str, str, str, int]]: ...


class MemoryStats:
    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()

    async def add(self, day: str, items: Iterable[tuple[str, str]]) -> None:
        for lang, node in items:
            self.counts[(day, lang, node)] += 1

    async def rows(self) -> list[tuple[str, str, str, int]]:
        return sorted((d, lang, n, c) for (d, lang, n), c in self.counts.items())


class RedisStats:
    """One hash per day: field ``lang|node`` -> count."""

    def __init__(self, client: Any) -> None:
        self._redis = client

    async def add(self, day: str, items: Iterable[tuple[str, str]]) -> None:
        await self.add_counts(Counter((day, lang, node) for lang, node in items))

    async def add_counts(self, counts: Counter[tuple[str, str, str]]) -> None:
        """Increment many counters in one round trip."""
        if not counts:
            return
        pipe = self._redis.pipeline(transaction=False)
        for (day, lang, node), n in counts.items():
            pipe.hincrby(STATS_PREFIX + day, f"{lang}|{node}", n)
        for day in {d for d, _, _ in counts}:
            pipe.expire(STATS_PREFIX + day, STATS_TTL)
        await pipe.execute()

    async def rows(self) -> list[tuple[str, str, str, int]]:
        out = []
        async for key in self._redis.scan_iter(match=STATS_PREFIX + "*"):
            day = key.decode().removeprefix(STATS_PREFIX) if isinstance(key, bytes) else \
                str(key).removeprefix(STATS_PREFIX)
            for field, value in (await self._redis.hgetall(key)).items():
                f = field.decode() if isinstance(field, bytes) else str(field)
                lang, _, node = f.partition("|")
                out.append((day, lang, node, int(value)))
        return sorted(out)


class BufferedStats:
    """Counts in memory, written to Redis every ``interval`` seconds in one pipeline.

    Keeps statistics off the path of each update (one read and one write of state, nothing
    else). At most ``interval`` seconds of counts are lost if the process is killed.
    """

    def __init__(self, inner: RedisStats, interval: float = 5.0) -> None:
        self.inner = inner
        self.interval = interval
        self.pending: Counter[tuple[str, str, str]] = Counter()

    async def add(self, day: str, items: Iterable[tuple[str, str]]) -> None:
        for lang, node in items:
            self.pending[(day, lang, node)] += 1

    async def flush(self) -> None:
        pending, self.pending = self.pending, Counter()
        try:
            await self.inner.add_counts(pending)
        except Exception:
            self.pending.update(pending)  # keep them for the next try
            raise

    async def rows(self) -> list[tuple[str, str, str, int]]:
        await self.flush()
        return await self.inner.rows()

    async def run(self) -> None:
        """Flush forever (a background task of the bot); errors are logged, not raised."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception as exc:
                log.warning("statistics not written (%s)", type(exc).__name__)


def dropoff(rows: list[tuple[str, str, str, int]], edges: dict[str, list[str]]
            ) -> list[tuple[str, int, int]]:
    """Per node: (node, shown, shown but no next node of the same flow) — where people leave.

    Approximation from counts alone: visits of a node minus visits of the nodes its buttons
    lead to (floored at 0). No per-user trail is ever stored.
    """
    totals: Counter[str] = Counter()
    for _, _, node, count in rows:
        totals[node] += count
    out = []
    for node, shown in sorted(totals.items()):
        onward = sum(totals.get(t, 0) for t in edges.get(node, []))
        out.append((node, shown, max(shown - onward, 0)))
    return out


async def record(sink: StatsSink | None, now: dt.datetime,
                 counts: list[tuple[str, str]]) -> None:
    """Count nodes shown (language, node); never raises: statistics must never break a
    conversation."""
    if sink is None or not counts:
        return
    try:
        await sink.add(day_key(now), counts)
    except Exception as exc:
        log.warning("statistics not recorded (%s)", type(exc).__name__)
