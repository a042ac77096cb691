"""Where conversation state lives between two updates: memory (default) or Redis.

One small value per chat, with a TTL, read once and written once per update. Keys are an
HMAC of the chat id, so the store never holds a Telegram id in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from typing import Any, Protocol

from .engine.state import State

KEY_PREFIX = "fwb:s:"


class StoreError(Exception):
    """The state store cannot be reached; the bot answers from the menu meanwhile."""


class StateStore(Protocol):
    """Reads and writes one chat's state; implementations must apply ``ttl``."""

    async def get(self, key: str) -> State | None: ...

    async def set(self, key: str, state: State, ttl: int) -> None: ...

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
    """Redis store: ``GET`` to read, ``SET key value EX ttl`` to write (one round trip each)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                     health_check_interval=30, **kwargs)

    @property
    def client(self) -> Any:
        return self._redis

    async def ping(self) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            raise StoreError(f"Redis is not reachable ({type(exc).__name__})") from None

    async def get(self, key: str) -> State | None:
        from redis.exceptions import RedisError

        try:
            raw = await self._redis.get(key)
        except (RedisError, OSError) as exc:
            raise StoreError(type(exc).__name__) from None
        return State.from_json(raw) if raw is not None else None

    async def set(self, key: str, state: State, ttl: int) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.set(key, state.to_json(), ex=ttl)
        except (RedisError, OSError) as exc:
            raise StoreError(type(exc).__name__) from None

    async def delete(self, key: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.delete(key)
        except (RedisError, OSError) as exc:
            raise StoreError(type(exc).__name__) from None

    async def close(self) -> None:
        await self._redis.aclose()
