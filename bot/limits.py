"""Flood control and rate limits, for every channel: a bounded table of keys (HMACs, never
an id or an address in clear), O(1) amortised per check."""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


class Flood(enum.Enum):
    """What flood control says of a message."""

    OK = "ok"
    WARN = "warn"  # the first message over the limit: answer "slow down" once
    DROP = "drop"  # over the limit and already warned: no answer


def verdict(count: int, limit: int) -> Flood:
    """Flood control's verdict on the ``count``-th message of a window: past the limit, warn
    once, then drop. The one rule of every flood control (this module's :class:`Throttle`,
    the stores' counts)."""
    if count <= limit:
        return Flood.OK
    return Flood.WARN if count == limit + 1 else Flood.DROP


@dataclass
class Throttle:
    """Flood control per key (a chat, a browser tab, an address): past ``limit`` events within
    ``window`` s, warn once, then drop.

    Each chat is two numbers, the start of its current window and the messages in it (the
    count says whether it was warned: :func:`verdict`) — about 250 bytes with its key, where a
    list of timestamps cost 830 per chat (benchmarks/run.py). Only chats active within the last
    ``window`` seconds are remembered: chats are kept in order of their last message and the
    idle ones at the front are let go at each check, so the table holds at most the chats of
    the last ``window`` seconds (and never more than ``max_chats``); a check costs O(1)
    amortised, however many chats the bot has seen.
    """

    limit: int = 8
    window: float = 10.0
    clock: Callable[[], float] = time.monotonic
    max_chats: int = 100_000
    #: key -> [window start, messages in it, last message time]
    _seen: OrderedDict[str, list[float]] = field(default_factory=OrderedDict)

    def check(self, key: str) -> Flood:
        now = self.clock()
        horizon = now - self.window
        seen = self._seen
        while seen:
            oldest, first = next(iter(seen.items()))
            if first[2] > horizon and len(seen) < self.max_chats:
                break
            del seen[oldest]
        found = seen.pop(key, None)
        entry = found if found is not None and found[0] > horizon else [now, 0.0, now]
        seen[key] = entry  # now the most recently active
        entry[2] = now
        entry[1] += 1
        return verdict(int(entry[1]), self.limit)

    def forget(self, key: str) -> None:
        """Let go of one key at once (its conversation was erased)."""
        self._seen.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)
