"""Where conversation state lives between two updates: memory (default) or Redis.

One small value per chat, with a TTL, read once and written once per update. Keys are an
HMAC of the chat id, so the store never holds a Telegram id in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any, Protocol

from .engine.state import State

KEY_PREFIX = "fwb:s:"


class StoreError(Exception):
    """The state store cannot be reached; the bot answers from the menu meanwhile."""


class StateStore(Protocol):
    """Reads and writes one chat's state; implementations must apply ``ttl``."""

    async def get(self, key: str) -> State | None: ...

    async def set(self, key: str, state: State, ttl: int) -> None: ...

    def get_soon(self, key: str) -> Awaitable[State | None]:
        """``get``, started now where the store can (the read travels meanwhile)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


def chat_key(chat_id: int, secret: bytes) -> str:
    """A stable pseudonymous key for a chat (HMAC-SHA256, not reversible without the secret)."""
    digest = hmac.new(secret, str(chat_id).encode(), hashlib.sha256).hexdigest()[:24]
    return KEY_PREFIX + digest


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


class RedisStateStore:
    """Redis store: ``GET`` to read, ``SET key value EX ttl`` to write (one round trip each).

    The state commands go through :class:`bot.resp.RespConnection` (one multiplexed
    connection, measured three times cheaper per command than redis-py's asyncio client);
    ``client`` is a redis-py client on the same database, for statistics and tools.
    """

    def __init__(self, url: str, **kwargs: Any) -> None:
        from redis.asyncio import Redis

        from .resp import RespConnection

        self.conn = RespConnection(url, timeout=2, connect_timeout=2)
        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                     health_check_interval=30, **kwargs)

    @property
    def client(self) -> Any:
        return self._redis

    @staticmethod
    async def _wait(reply: Awaitable[Any]) -> Any:
        from .resp import RespError

        try:
            return await reply
        except RespError as exc:
            raise StoreError(str(exc)) from None

    async def _run(self, *args: str | int) -> Any:
        return await self._wait(self.conn.execute(*args))

    async def ping(self) -> None:
        try:
            await self._run("PING")
        except StoreError as exc:
            raise StoreError(f"Redis is not reachable ({exc})") from None

    async def get(self, key: str) -> State | None:
        return await self.get_soon(key)

    def get_soon(self, key: str) -> Awaitable[State | None]:
        return self._read(self.conn.submit("GET", key))  # the GET is on its way

    async def _read(self, reply: Awaitable[Any]) -> State | None:
        raw = await self._wait(reply)
        return State.from_json(raw) if raw is not None else None

    async def set(self, key: str, state: State, ttl: int) -> None:
        await self._run("SET", key, state.to_json(), "EX", ttl)

    async def delete(self, key: str) -> None:
        await self._run("DEL", key)

    async def close(self) -> None:
        await self.conn.close()
        await self._redis.aclose()
