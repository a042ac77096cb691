"""State in Redis, shared by every replica of the bot, through redis-py's asyncio client.

An update costs two round trips, each one Lua script (atomic, and one network exchange):

- :data:`OPEN`: take the chat's lock (``SET fwb:l:… token PX``; held by another update: wait
  with backoff, a bounded time), say whether the update was handled already, read the state;
- :data:`CLOSE`: append the message ids (``RPUSH`` + ``LTRIM``), write the state with its TTL
  if the lock is still ours, mark the update handled, give the lock back (compare-and-delete).

The client has keepalive, a health check of idle connections, a 2 s timeout, and one quick
retry on a broken connection (every command the bot sends is safe to repeat: the scripts
recognise their own lock token; counters use a client without retries). ``REDIS_URL`` may be
``redis://``, ``rediss://`` (with redis-py's ``ssl_*`` query options), ``unix://`` (with
``?db=&password=``) or ``redis+sentinel://`` (:func:`parse_sentinel_url`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from redis import exceptions as rx
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialBackoff, NoBackoff

from ..engine import State
from ..errors import (
    ConfigError,
    StoreError,
    StoreFullError,
    StoreTimeoutError,
    StoreUnavailableError,
)
from ..limits import Flood, verdict
from .base import (
    DONE_TTL,
    ERASE_PREFIX,
    ERASE_SET,
    IDS_LIMIT,
    KEY_PREFIX,
    Opened,
    erase_key,
    flood_key,
    ids_key,
    lock_key,
)

#: KEYS: lock, state, flood, [done]. ARGV: token, lock ms, flood window ms (0: not counted).
#: -> {0} busy, or {1, duplicate, messages in the flood window (0: not counted), state}
OPEN = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return {0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local dup = 0
if KEYS[4] and redis.call('EXISTS', KEYS[4]) == 1 then dup = 1 end
local count = 0
if dup == 0 and tonumber(ARGV[3]) > 0 then
  count = redis.call('INCR', KEYS[3])
  if count == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
end
return {1, dup, count, redis.call('GET', KEYS[2])}
"""

#: KEYS: lock, state, ids, [done]. ARGV: token, state ('' = leave it), ttl, ids...
CLOSE = f"""
local owned = redis.call('GET', KEYS[1]) == ARGV[1]
if #ARGV > 3 then
  redis.call('RPUSH', KEYS[3], unpack(ARGV, 4))
  redis.call('LTRIM', KEYS[3], -{IDS_LIMIT}, -1)
end
if owned then
  if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('DEL', KEYS[1])
end
redis.call('EXPIRE', KEYS[3], ARGV[3])
if KEYS[4] then redis.call('SET', KEYS[4], '1', 'EX', {DONE_TTL}) end
if owned then return 1 end
return 0
"""

#: KEYS: lock. ARGV: token. Gives the lock back only if it is still ours.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

#: KEYS: ids, state. ARGV: ttl, ids...
#: Claim the chats whose erase deadline has passed: each goes to the one caller whose ZREM
#: removed it (replicas sweep concurrently), with its masked chat id.
DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, k in ipairs(due) do
  if redis.call('ZREM', KEYS[1], k) == 1 then
    local ek = ARGV[3] .. string.sub(k, tonumber(ARGV[4]) + 1)
    local v = redis.call('GET', ek)
    redis.call('DEL', ek)
    if v then table.insert(out, k); table.insert(out, v) end
  end
end
return out
"""

APPEND = f"""
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
redis.call('LTRIM', KEYS[1], -{IDS_LIMIT}, -1)
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
"""

URL_HELP = ("expected redis://[[user]:password@]host[:port][/db], rediss://… (TLS, with "
            "?ssl_cert_reqs=required&ssl_ca_certs=/path), unix:///path/to/socket"
            "[?db=N&password=…] or redis+sentinel://[[user]:password@]host:port[,host:port]"
            "/service_name[/db]")
#: Readiness probes write ``fwb:health:<random per process>`` (kept HEALTH_TTL seconds).
HEALTH_PREFIX = "fwb:health:"
HEALTH_TTL = 30

CLIENT_OPTIONS: dict[str, Any] = {
    "socket_timeout": 2.0, "socket_connect_timeout": 2.0, "socket_keepalive": True,
    "health_check_interval": 30,
}


def _retry() -> Retry:
    """One or two quick new attempts when a connection broke (not after a timeout: the
    command may have run, and it already cost 2 s)."""
    return Retry(ExponentialBackoff(cap=0.2, base=0.02), 2,
                 supported_errors=(rx.ConnectionError,))


@dataclass(frozen=True)
class SentinelURL:
    sentinels: list[tuple[str, int]]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = None
    tls: bool = False
    options: dict[str, str] = field(default_factory=dict)


def _bad(problem: str) -> ConfigError:
    return ConfigError(f"REDIS_URL: {problem}; {URL_HELP}")


def parse_sentinel_url(url: str) -> SentinelURL:
    """``redis+sentinel://[[user]:password@]host:port[,host:port…]/service_name[/db]``
    (``rediss+sentinel://`` for TLS; ``?sentinel_password=`` if the sentinels have one)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("redis+sentinel", "rediss+sentinel"):
        raise _bad("not a redis+sentinel:// URL")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, pw = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(pw) if colon else None
    sentinels = []
    for item in hosts.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise _bad("each sentinel needs host:port (e.g. sentinel-1:26379)")
        sentinels.append((host.strip("[]"), int(port)))
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 2:
        raise _bad("the sentinel URL needs the service name after the hosts "
                   "(…:26379/mymaster)")
    if len(parts) == 2 and not parts[1].isdigit():
        raise _bad(f"the database after the service name must be a number, not {parts[1]!r}")
    options = {k: v[0] for k, v in parse_qs(query).items()}
    if "password" in options and password is None:
        password = options.pop("password")
    return SentinelURL(sentinels, unquote(parts[0]), int(parts[1]) if len(parts) == 2 else 0,
                       username, password, options.pop("sentinel_password", None),
                       scheme.lower().startswith("rediss"), options)


def connect(url: str, *, retries: bool = True) -> Redis:
    """A redis-py asyncio client for ``url``, with the bot's options; a bad URL raises a
    one-line :class:`ConfigError` (never with the password in it)."""
    return open_client(url, retries=retries)[0]


def open_client(url: str, *, retries: bool = True) -> tuple[Redis, list[Redis]]:
    """:func:`connect`, and the clients to close with it (Sentinel's own connections)."""
    options = dict(CLIENT_OPTIONS, retry=_retry() if retries else Retry(NoBackoff(), 0))
    scheme = url.partition("://")[0].lower()
    if scheme.endswith("+sentinel"):
        parsed = parse_sentinel_url(url)
        common: dict[str, Any] = {**options, **parsed.options}
        if parsed.tls:
            common["ssl"] = True
        sentinel = Sentinel(parsed.sentinels, sentinel_kwargs={
            k: v for k, v in {"password": parsed.sentinel_password,
                              "socket_timeout": 2.0, "socket_connect_timeout": 2.0}.items()
            if v is not None}, **common)
        master: Redis = sentinel.master_for(parsed.service, db=parsed.db,
                                            username=parsed.username, password=parsed.password)
        return master, list(sentinel.sentinels)
    if scheme not in ("redis", "rediss", "unix"):
        raise _bad(f"unknown scheme {scheme + '://' if scheme else '(none)'}")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise _bad("the port must be a number from 1 to 65535") from None
    if scheme != "unix":
        if not parts.hostname:
            raise _bad("no host")
        db = parts.path.strip("/")
        if db and not db.isdigit():
            raise _bad(f"the database must be a number, not {db!r}")
    elif not parts.path:
        raise _bad("no socket path")
    try:
        return Redis.from_url(url, **options), []
    except ValueError as exc:
        raise _bad(str(exc).split(".")[0]) from None


def store_error(exc: BaseException) -> StoreError:
    """A redis-py error as the bot's own error, in one line without secrets."""
    if isinstance(exc, rx.TimeoutError | TimeoutError):
        return StoreTimeoutError("Redis did not answer in time")
    if isinstance(exc, rx.AuthenticationError):
        return StoreUnavailableError("Redis refused the password (check REDIS_URL)")
    if isinstance(exc, rx.ConnectionError | OSError):
        return StoreUnavailableError(f"Redis is not reachable ({type(exc).__name__})")
    text = str(exc)
    if isinstance(exc, rx.OutOfMemoryError):
        text = "OOM " + text
    elif isinstance(exc, rx.ReadOnlyError):
        text = "READONLY " + text
    for marker, meaning in (("maxmemory", "Redis is full (maxmemory reached) and refuses "
                                          "writes"),
                            ("READONLY", "Redis is a read-only replica"),
                            ("MISCONF", "Redis refuses writes (it cannot save to disk)")):
        if marker in text:
            return StoreFullError(meaning)
    if isinstance(exc, rx.ResponseError):
        code = text.split(" ", maxsplit=1)[0] if text else "error"
        return StoreError(f"Redis refused the command ({code}: {text[:120]})")
    return StoreError(f"Redis failed ({type(exc).__name__})")


class RedisStateStore:
    """The Redis store (module docstring). ``client`` is the redis-py client (tools, tests);
    ``counters`` is a client without retries, for statistics (an increment is not safe to
    repeat)."""

    def __init__(self, url: str, *, lock_ms: int = 30_000, lock_wait: float = 20.0) -> None:
        self.client, extra = open_client(url)
        self.counters, more = open_client(url, retries=False)
        self._extra = [*extra, *more]
        self.lock_ms = lock_ms
        self.lock_wait = lock_wait
        self._open = self.client.register_script(OPEN)
        self._close = self.client.register_script(CLOSE)
        self._release = self.client.register_script(RELEASE)
        self._append = self.client.register_script(APPEND)
        self._due = self.client.register_script(DUE)
        self._health_key = HEALTH_PREFIX + secrets.token_hex(8)  # one per process

    @staticmethod
    async def _call(reply: Any) -> Any:
        try:
            return await reply
        except (rx.RedisError, OSError, TimeoutError) as exc:
            raise store_error(exc) from None

    async def ping(self) -> None:
        await self._call(self.client.ping())

    async def health_check(self) -> None:
        """Readiness: write a key of this process (kept 30 s) and read it back, without
        retries; raises :class:`StoreError` (full: :class:`StoreFullError`) if either fails."""
        value = secrets.token_hex(8)
        pipe = self.counters.pipeline(transaction=False)
        pipe.set(self._health_key, value, ex=HEALTH_TTL)
        pipe.get(self._health_key)
        _, read = await self._call(pipe.execute())
        if (read.decode() if isinstance(read, bytes) else read) != value:
            raise StoreError("Redis did not give back the value just written")

    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        token = secrets.token_hex(8)
        keys = [lock_key(key), key, flood_key(key), *([done] if done else [])]
        window = max(1, round(flood[1] * 1000)) if flood is not None else 0
        deadline = time.monotonic() + self.lock_wait
        delay = 0.005
        while True:
            reply = await self._call(self._open(keys=keys, args=[token, self.lock_ms, window]))
            if reply[0] == 1:
                raw = reply[3] if len(reply) > 3 else None
                judged = verdict(int(reply[2]), flood[0]) if flood and reply[2] else Flood.OK
                return Opened(State.from_json(raw) if raw else None, bool(reply[1]), token,
                              judged)
            if time.monotonic() + delay > deadline:
                raise StoreTimeoutError("the chat stayed locked by another update")
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.1)

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        keys = [lock_key(key), key, ids_key(key), *([done] if done else [])]
        raw = state.to_json() if state is not None else ""
        try:
            owned = await self._call(self._close(keys=keys, args=[opened.token or "", raw, ttl,
                                                                    *ids]))
        except StoreError:
            if opened.token is not None:  # do not leave the chat locked for lock_ms
                with contextlib.suppress(StoreError):
                    await self._call(self._release(keys=[lock_key(key)], args=[opened.token]))
            raise
        return bool(owned)

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        if ids:
            await self._call(self._append(keys=[ids_key(key), key], args=[ttl, *ids]))

    async def forget(self, key: str) -> list[int]:
        pipe = self.client.pipeline(transaction=True)
        pipe.lrange(ids_key(key), 0, -1)
        pipe.get(key)
        pipe.delete(ids_key(key), key)
        listed, raw, _ = await self._call(pipe.execute())
        legacy = State.from_json(raw).message_ids if raw else ()
        return [*legacy, *(int(i) for i in listed)]

    async def schedule_erase(self, key: str, masked: str, at: float) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(ERASE_SET, {key: at})
        pipe.set(erase_key(key), masked, ex=max(60, int(at - time.time()) + 3600))
        await self._call(pipe.execute())

    async def cancel_erase(self, key: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.zrem(ERASE_SET, key)
        pipe.delete(erase_key(key))
        await self._call(pipe.execute())

    async def due_erasures(self, now: float, limit: int = 100) -> list[tuple[str, str]]:
        reply = await self._call(self._due(keys=[ERASE_SET], args=[
            now, limit, ERASE_PREFIX, len(KEY_PREFIX)]))
        text = [v.decode() if isinstance(v, bytes) else str(v) for v in reply]
        return [(text[i], text[i + 1]) for i in range(0, len(text) - 1, 2)]

    async def get(self, key: str) -> State | None:
        raw = await self._call(self.client.get(key))
        return State.from_json(raw) if raw is not None else None

    async def set(self, key: str, state: State, ttl: int) -> None:
        await self._call(self.client.set(key, state.to_json(), ex=ttl))

    async def delete(self, key: str) -> None:
        await self._call(self.client.delete(key, ids_key(key)))

    async def close(self) -> None:
        for client in (self.client, self.counters, *self._extra):
            await client.aclose()
