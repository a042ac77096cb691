"""A small multiplexed Redis connection for the state store's hot path (GET, SET, DEL).

Every update reads and writes one key. Through redis-py's asyncio client each command costs
about three times the network round trip in Python (connection pool, retry wrapper,
``wait_for``); here a command is one ``write`` and one future, the replies are parsed by
hiredis (C), and concurrent updates share one connection: commands are written in order and
Redis answers in order, so each reply resolves the oldest waiting future (pipelining across
updates, as node-redis or the old aioredis do). benchmarks/run.py measures the difference.

Failure handling: a command that gets no reply within ``timeout`` closes the connection
(the replies could no longer be matched), every waiting command fails with
:class:`RespError`, and the next command reconnects. redis-py stays in use for everything
that is not on the hot path (statistics, tools).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Awaitable
from typing import Any
from urllib.parse import unquote, urlsplit

import hiredis


class RespError(Exception):
    """Redis could not be reached, timed out, or answered with an error."""


def encode(*args: str | bytes | int) -> bytes:
    """A command in RESP (arrays of bulk strings)."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = hiredis.Reader()
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while True:
            try:
                reply = self.reader.gets()
            except hiredis.ProtocolError as exc:
                self.fail(RespError(f"protocol error ({exc})"))
                return
            if reply is False:
                return
            if not self.waiting:  # a reply nobody asked for: out of step, start again
                self.fail(RespError("unexpected reply"))
                return
            future = self.waiting.popleft()
            if not future.done():  # a cancelled command still owns its reply
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(RespError("connection lost"))

    def fail(self, error: RespError) -> None:
        self.closed = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)
        if self.transport is not None:
            self.transport.abort()


class RespConnection:
    """One lazily opened, shared connection to the Redis of ``url``.

    ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` for TLS, or
    ``unix:///path/to/socket[?db=N]``.
    """

    def __init__(self, url: str, *, timeout: float = 2.0, connect_timeout: float = 2.0
                 ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"unsupported Redis URL scheme {parts.scheme!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 6379
        self._path = unquote(parts.path)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        db = query.get("db") or (self._path.strip("/") if parts.scheme != "unix" else "")
        self._db = int(db or 0)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Future[_Protocol] | None = None

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        protocol: _Protocol | None = None
        try:
            async with asyncio.timeout(self.connect_timeout):
                if self._scheme == "unix":
                    _, protocol = await loop.create_unix_connection(_Protocol, self._path)
                else:
                    tls = ssl.create_default_context() if self._scheme == "rediss" else None
                    _, protocol = await loop.create_connection(
                        _Protocol, self._host, self._port, ssl=tls)
                hello: list[tuple[str | bytes | int, ...]] = []
                if self._password is not None:
                    hello.append(("AUTH", self._user, self._password) if self._user
                                 else ("AUTH", self._password))
                if self._db:
                    hello.append(("SELECT", self._db))
                for command in hello:
                    await self._send(protocol, command)
        except (OSError, TimeoutError, RespError) as exc:
            if protocol is not None:
                protocol.fail(RespError("closed while connecting"))
            if isinstance(exc, RespError):
                raise
            raise RespError(f"cannot connect ({type(exc).__name__})") from None
        return protocol

    async def _connection(self) -> _Protocol:
        protocol = self._protocol
        if protocol is not None and not protocol.closed:
            return protocol
        if self._connecting is None:  # the first caller connects; the others wait for it
            self._connecting = asyncio.ensure_future(self._open())
        connecting = self._connecting
        try:
            protocol = await asyncio.shield(connecting)
        finally:
            if self._connecting is connecting and connecting.done():
                self._connecting = None
        self._protocol = protocol
        return protocol

    @staticmethod
    def _write(protocol: _Protocol, args: tuple[str | bytes | int, ...]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        assert protocol.transport is not None
        protocol.waiting.append(future)
        protocol.transport.write(encode(*args))
        return future

    async def _reply(self, protocol: _Protocol, future: asyncio.Future[Any]) -> Any:
        try:
            async with asyncio.timeout(self.timeout):
                reply = await future
        except TimeoutError:
            protocol.fail(RespError("timed out"))
            raise RespError("timed out") from None
        if isinstance(reply, hiredis.ReplyError):
            raise RespError(f"Redis refused the command ({str(reply).split(' ')[0]})")
        return reply

    async def _send(self, protocol: _Protocol, args: tuple[str | bytes | int, ...]) -> Any:
        return await self._reply(protocol, self._write(protocol, args))

    async def execute(self, *args: str | bytes | int) -> Any:
        """Send one command and return its reply (bytes, int, list or None)."""
        protocol = await self._connection()
        return await self._send(protocol, args)

    def submit(self, *args: str | bytes | int) -> Awaitable[Any]:
        """Send one command now, if the connection is open, and return its reply later:
        the round trip runs while the caller does something else. Otherwise the command
        goes out (connecting first) when the result is awaited."""
        protocol = self._protocol
        if protocol is None or protocol.closed or protocol.transport is None:
            return self.execute(*args)
        return self._reply(protocol, self._write(protocol, args))

    async def close(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.closed = True
            protocol.transport.close()
