"""Sliding-window rate limits for the web channel, bounded in memory.

One :class:`Window` per limit: typed messages of one tab (the Telegram adapter's flood
control: one "slow down", then silence until the burst ends), every request of one tab, and
every request of one IP address. Keys are HMACs (never an address or a session id in clear),
and only keys active within the last window are kept.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


class Verdict(enum.Enum):
    OK = "ok"
    WARN = "warn"  # the first request over the limit
    DROP = "drop"  # over the limit and already warned


@dataclass
class Window:
    """Past ``limit`` events within ``window`` seconds for one key: WARN once, then DROP."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _seen: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _warned: dict[str, float] = field(default_factory=dict)

    def check(self, key: str) -> Verdict:
        now = self.clock()
        horizon = now - self.window
        seen = self._seen
        while seen:  # let go of keys idle for a whole window (oldest first): O(1) amortised
            oldest, times = next(iter(seen.items()))
            if times[-1] > horizon and len(seen) < self.max_keys:
                break
            del seen[oldest]
            self._warned.pop(oldest, None)
        q = seen.pop(key, None)
        if q is None:
            q = deque(maxlen=self.limit + 1)
        seen[key] = q
        while q and q[0] <= horizon:
            q.popleft()
        q.append(now)
        if len(q) <= self.limit:
            self._warned.pop(key, None)
            return Verdict.OK
        if self._warned.get(key, -1e18) > horizon:
            return Verdict.DROP
        self._warned[key] = now
        return Verdict.WARN

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)
        self._warned.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)
