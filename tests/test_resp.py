"""The multiplexed Redis connection of the state store (bot/resp.py), against real servers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.store.resp import RespConnection, RespError, encode

from .conftest import free_port
from .redis_util import REDIS_URL, require_redis, start_redis_server

pytestmark = pytest.mark.redis


@pytest.fixture
async def conn() -> AsyncIterator[RespConnection]:
    require_redis()
    c = RespConnection(REDIS_URL, timeout=2)
    await c.execute("FLUSHDB")
    yield c
    await c.execute("FLUSHDB")
    await c.close()


def test_encoding_is_resp() -> None:
    assert encode("SET", "k", "é", "EX", 60) == (
        b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\xc3\xa9\r\n$2\r\nEX\r\n$2\r\n60\r\n")


def test_urls() -> None:
    with pytest.raises(ValueError, match="unsupported Redis URL scheme 'http'"):
        RespConnection("http://localhost")
    assert RespConnection("redis://h:7000/3")._db == 3
    assert RespConnection("unix:///run/redis.sock?db=2")._db == 2
    assert RespConnection("redis://:p%40ss@h/0")._password == "p@ss"


async def test_round_trip_in_the_database_of_the_url(conn: RespConnection) -> None:
    assert await conn.execute("SET", "fwb:s:a", '{"l":"ar","t":"مرحبا"}', "EX", 60) == b"OK"
    assert await conn.execute("GET", "fwb:s:a") == '{"l":"ar","t":"مرحبا"}'.encode()
    assert await conn.execute("GET", "fwb:s:missing") is None
    assert 0 < await conn.execute("TTL", "fwb:s:a") <= 60
    other = Redis.from_url(REDIS_URL)  # the same database (15), seen by another client
    assert await other.get("fwb:s:a") is not None
    await other.aclose()
    assert await conn.execute("DEL", "fwb:s:a") == 1


async def test_concurrent_commands_get_their_own_replies(conn: RespConnection) -> None:
    """Hundreds of commands in flight on one connection: each reply goes to its command."""
    async def one(i: int) -> bytes:
        await conn.execute("SET", f"k{i}", f"v{i}" * (i % 7 + 1))
        await asyncio.sleep(0)
        return bytes(await conn.execute("GET", f"k{i}"))

    values = await asyncio.gather(*(one(i) for i in range(500)))
    assert values == [(f"v{i}" * (i % 7 + 1)).encode() for i in range(500)]


async def test_error_reply_is_an_exception_without_the_value(conn: RespConnection) -> None:
    await conn.execute("SET", "k", "secret text")
    with pytest.raises(RespError) as info:
        await conn.execute("LPUSH", "k", "x")
    assert str(info.value) == "Redis refused the command (WRONGTYPE)"
    assert await conn.execute("GET", "k") == b"secret text"  # the connection is still usable


async def test_a_cancelled_command_does_not_shift_the_replies(conn: RespConnection) -> None:
    await conn.execute("SET", "a", "1")
    await conn.execute("SET", "b", "2")
    slow = asyncio.ensure_future(conn.execute("GET", "a"))
    slow.cancel()
    assert await conn.execute("GET", "b") == b"2"


async def test_reconnects_after_the_server_drops_the_connection(conn: RespConnection) -> None:
    await conn.execute("SET", "k", "v")
    admin = Redis.from_url(REDIS_URL)
    await admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    await admin.aclose()
    for _ in range(3):  # the first command may still find the old socket open
        try:
            assert await conn.execute("GET", "k") == b"v"
            break
        except RespError as exc:
            assert str(exc) == "connection lost"
    else:
        pytest.fail("no reconnection")


async def test_unreachable_server() -> None:
    c = RespConnection("redis://127.0.0.1:1/0", connect_timeout=1)
    with pytest.raises(RespError, match=r"cannot connect \(ConnectionRefusedError\)"):
        await c.execute("PING")
    await c.close()


async def test_a_server_that_never_answers_times_out_every_waiting_command() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    c = RespConnection(f"redis://127.0.0.1:{port}/0", timeout=0.2)
    started = time.monotonic()
    results = await asyncio.gather(c.execute("GET", "a"), c.execute("GET", "b"),
                                   return_exceptions=True)
    assert time.monotonic() - started < 1.5
    assert [str(r) for r in results] == ["timed out", "timed out"]
    with pytest.raises(RespError, match="timed out"):  # reconnects, and times out again
        await c.execute("GET", "c")
    assert len(accepted) == 2
    await c.close()
    for writer in accepted:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.fixture
def password_redis(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    proc = start_redis_server(port, tmp_path, "--requirepass", "s3cr:t@x")
    yield port
    proc.kill()
    proc.wait()


async def test_password_and_database_from_the_url(password_redis: int) -> None:
    good = RespConnection(f"redis://:s3cr%3At%40x@127.0.0.1:{password_redis}/4")
    assert await good.execute("SET", "k", "v") == b"OK"
    assert await good.execute("DBSIZE") == 1
    await good.close()
    wrong = RespConnection(f"redis://:wrong@127.0.0.1:{password_redis}/0")
    with pytest.raises(RespError, match=r"refused the command \((WRONGPASS|ERR)\)"):
        await wrong.execute("PING")
    await wrong.close()
    none = RespConnection(f"redis://127.0.0.1:{password_redis}/0")
    with pytest.raises(RespError, match="NOAUTH"):
        await none.execute("PING")
    await none.close()


async def test_submitted_commands_travel_before_they_are_awaited(conn: RespConnection) -> None:
    await conn.execute("SET", "a", "1")
    first = conn.submit("GET", "a")  # on the wire now
    dropped = conn.submit("GET", "a")  # its reply arrives and is simply not read
    assert await conn.execute("SET", "b", "2") == b"OK"  # replies stay in step
    assert await first == b"1"
    dropped.close()  # type: ignore[attr-defined]
    assert await conn.execute("GET", "b") == b"2"


async def test_submit_before_any_connection_connects_when_awaited() -> None:
    require_redis()
    c = RespConnection(REDIS_URL)
    pending = c.submit("PING")
    assert await pending == b"PONG"
    await c.close()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), st.text(max_size=50))
async def test_any_value_round_trips(value: bytes, key: str) -> None:
    require_redis()
    c = RespConnection(REDIS_URL)
    try:
        assert await c.execute("SET", f"fuzz:{key}", value, "EX", 30) == b"OK"
        assert await c.execute("GET", f"fuzz:{key}") == value
        assert await c.execute("DEL", f"fuzz:{key}") == 1
    finally:
        await c.close()
