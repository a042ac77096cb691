"""State in Redis, shared by every replica of the bot."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from redis.asyncio import Redis

from ..engine import State
from ..errors import StoreError
from .resp import RespConnection, RespError


class RedisStateStore:
    """Redis store: ``GET`` to read, ``SET key value EX ttl`` to write (one round trip each).

    The state commands go through :class:`bot.resp.RespConnection` (one multiplexed
    connection, measured three times cheaper per command than redis-py's asyncio client);
    ``client`` is a redis-py client on the same database, for statistics and tools.
    """

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.conn = RespConnection(url, timeout=2, connect_timeout=2)
        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                     health_check_interval=30, **kwargs)

    @property
    def client(self) -> Any:
        return self._redis

    @staticmethod
    async def _wait(reply: Awaitable[Any]) -> Any:
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
