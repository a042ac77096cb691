"""The default store: state in this process's memory, with a TTL and a size bound."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any

from ..engine import State


class MemoryStateStore:
    """In-process store with TTL and a size bound (oldest chats evicted first)."""

    def __init__(self, max_chats: int = 200_000, clock: Any = time.monotonic) -> None:
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_chats
        self._clock = clock

    async def get(self, key: str) -> State | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, raw = item
        if expires <= self._clock():
            del self._data[key]
            return None
        return State.from_json(raw)

    def get_soon(self, key: str) -> Awaitable[State | None]:
        return self.get(key)

    async def set(self, key: str, state: State, ttl: int) -> None:
        self._data[key] = (self._clock() + ttl, state.to_json())
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def close(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


