"""The default store: state in this process's memory, with a TTL and a size bound.

The same semantics as the Redis store, for one process: the service's per-chat lock orders
the updates of a chat, so no lock is needed here.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from ..engine import State
from ..limits import Throttle
from .base import DONE_TTL, IDS_LIMIT, Opened


class MemoryStateStore:
    """In-process store with TTL and size bounds (oldest chats evicted first)."""

    def __init__(self, max_chats: int = 200_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._ids: OrderedDict[str, tuple[float, list[int]]] = OrderedDict()
        self._done: OrderedDict[str, float] = OrderedDict()  # a TTL cache, oldest first
        self._erase: dict[str, tuple[float, str]] = {}  # key -> (wall-clock deadline, masked)
        self._max = max_chats
        self._clock = clock
        self._throttle: Throttle | None = None  # made on the first message counted

    # -- one update -----------------------------------------------------------------------

    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        duplicate = done is not None and self._handled(done)
        opened = Opened(await self.get(key), duplicate)
        if flood is None or duplicate:
            return opened
        if self._throttle is None or (self._throttle.limit, self._throttle.window) != flood:
            self._throttle = Throttle(flood[0], flood[1], self._clock)
        return replace(opened, flood=self._throttle.check(key))

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        if state is not None:
            await self.set(key, state, ttl)
        await self.append_ids(key, ids, ttl)
        if done is not None:
            self._mark(done)
        return True

    def _handled(self, done: str) -> bool:
        now = self._clock()
        while self._done:  # expired marks go first; O(1) amortised
            oldest, expires = next(iter(self._done.items()))
            if expires > now and len(self._done) <= self._max:
                break
            del self._done[oldest]
        return done in self._done

    def _mark(self, done: str) -> None:
        self._done[done] = self._clock() + DONE_TTL
        self._done.move_to_end(done)

    # -- message ids ----------------------------------------------------------------------

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        now = self._clock()
        item = self._ids.get(key)
        current = item[1] if item is not None and item[0] > now else []
        if not ids and not current:
            return
        current = (current + ids)[-IDS_LIMIT:]
        self._ids[key] = (now + ttl, current)
        self._ids.move_to_end(key)
        while len(self._ids) > self._max:
            self._ids.popitem(last=False)
        state = self._data.get(key)
        if state is not None:  # the two expire together
            self._data[key] = (now + ttl, state[1])

    async def forget(self, key: str) -> list[int]:
        if self._throttle is not None:
            self._throttle.forget(key)
        state = await self.get(key)
        item = self._ids.pop(key, None)
        self._data.pop(key, None)
        ids = item[1] if item is not None and item[0] > self._clock() else []
        return [*(state.message_ids if state else ()), *ids]

    # -- erase deadlines ------------------------------------------------------------------

    async def schedule_erase(self, key: str, masked: str, at: float) -> None:
        self._erase[key] = (at, masked)

    async def cancel_erase(self, key: str) -> None:
        self._erase.pop(key, None)

    async def due_erasures(self, now: float, limit: int = 100) -> list[tuple[str, str]]:
        due = sorted((at, key) for key, (at, _) in self._erase.items() if at <= now)[:limit]
        return [(key, self._erase.pop(key)[1]) for _, key in due]

    # -- plain state ----------------------------------------------------------------------

    async def get(self, key: str) -> State | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, raw = item
        if expires <= self._clock():
            del self._data[key]
            return None
        return State.from_json(raw)

    async def set(self, key: str, state: State, ttl: int) -> None:
        now = self._clock()
        self._data[key] = (now + ttl, state.to_json())
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)
        ids = self._ids.get(key)
        if ids is not None:  # the two expire together
            self._ids[key] = (now + ttl, ids[1])

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)
        self._ids.pop(key, None)

    async def close(self) -> None:
        self._erase.clear()
        self._data.clear()
        self._ids.clear()
        self._done.clear()

    def __len__(self) -> int:
        return len(self._data)
