"""The Redis state store against a private redis-server: TTLs, round trips, concurrency,
failures (a cut connection, a full server), deduplication, Sentinel."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.dialog import Dialog
from bot.engine.state import Start, State, Text
from bot.errors import ConfigError, StoreError, StoreFullError, StoreUnavailableError
from bot.limits import Throttle
from bot.store import chat_key
from bot.store.base import flood_key, ids_key, lock_key
from bot.store.redis import RedisStateStore, connect, parse_sentinel_url
from bot.store.stats import RedisStats
from bot.telegram.api import BotApi
from bot.telegram.app import build_updates
from bot.telegram.service import BotService

from .conftest import NOW, free_port
from .fakes.proxy import Proxy
from .fakes.session import CHAT, RecordingSession, SlowSession
from .redis_util import RedisServer

pytestmark = pytest.mark.redis
USER = {"id": CHAT["id"], "is_bot": False, "first_name": "A", "language_code": "fr"}


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[RedisStateStore]:
    s = RedisStateStore(redis_server.url)
    yield s
    await s.close()


def message(update_id: int, message_id: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": message_id, "date": 1700000000,
                                                "chat": CHAT, "from": USER, "text": text}}


async def feed(bot: BotApi, service: BotService, raw: dict[str, Any]) -> None:
    update = raw
    await build_updates(service).feed(bot, update)


async def test_round_trip_and_ttl(store: RedisStateStore) -> None:
    state = State(lang="nl", audience="young", at="sexting:start", back=("menu:young",))
    await store.set("fwb:s:abc", state, ttl=60)
    assert await store.get("fwb:s:abc") == state
    assert 55 <= await store.client.ttl("fwb:s:abc") <= 60


async def test_an_update_writes_state_and_ids_with_the_ttl_and_unlocks(
        store: RedisStateStore, redis_server: RedisServer) -> None:
    opened = await store.open_update("fwb:s:k", None)
    assert opened.state is None and redis_server.admin.exists(lock_key("fwb:s:k"))
    assert await store.close_update("fwb:s:k", opened, State(lang="ar"), [7, 8], 120, None)
    admin = redis_server.admin
    assert admin.lrange(ids_key("fwb:s:k"), 0, -1) == [b"7", b"8"]
    assert 115 <= admin.ttl("fwb:s:k") <= 120 and 115 <= admin.ttl(ids_key("fwb:s:k")) <= 120
    assert not admin.exists(lock_key("fwb:s:k"))
    assert await store.forget("fwb:s:k") == [7, 8]
    assert admin.keys("*") == []


async def test_conversation_is_small(store: RedisStateStore) -> None:
    state = State(lang="fr", lang_chosen=True, audience="young", at="sextortion:what_now",
                  back=("menu:young", "sextortion:start"), greeted=True)
    await store.set("fwb:s:size", state, ttl=60)
    assert await store.client.memory_usage("fwb:s:size") < 400


async def test_stats_are_counters_without_ids(store: RedisStateStore) -> None:
    stats = RedisStats(store.counters)
    await stats.add("2026-01-05", [("fr", "start:start"), ("fr", "start:start"),
                                   ("ar", "menu:young")])
    rows = await stats.rows()
    assert ("2026-01-05", "fr", "start:start", 2) in rows
    assert ("2026-01-05", "ar", "menu:young", 1) in rows


async def test_unreachable_redis_raises_store_error() -> None:
    s = RedisStateStore(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreUnavailableError):
        await s.ping()
    with pytest.raises(StoreError):
        await s.open_update("fwb:s:x", None)
    await s.close()


async def test_an_update_costs_two_round_trips(store: RedisStateStore,
                                               redis_server: RedisServer,
                                               dialog: Dialog) -> None:
    """Counted by Redis itself (INFO commandstats): per update two scripts, and inside them
    only the commands of one open and one close — no other command on the wire."""
    from bot.store.stats import BufferedStats

    stats = BufferedStats(RedisStats(store.counters))
    service = BotService(dialog, store, b"k", stats=stats, clock=lambda: NOW)
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", RecordingSession())
    await feed(bot, service, message(1, 1, "/start"))  # loads the scripts once
    redis_server.reset_calls()
    for i in range(2, 5):
        await feed(bot, service, message(i, i, "nudes"))
    calls = redis_server.calls()
    calls.pop("config|resetstat", None)
    assert calls == {"evalsha": 6, "get": 9, "set": 9, "exists": 3, "rpush": 3, "ltrim": 3,
                     "expire": 6, "del": 3}
    await stats.flush()  # statistics: one pipeline every few seconds, apart
    assert sum(c for *_, c in await RedisStats(store.client).rows()) >= 3


@pytest.mark.parametrize("replicas", [1, 2])
async def test_concurrent_updates_of_one_chat_lose_nothing(
        redis_server: RedisServer, dialog: Dialog, replicas: int) -> None:
    """N updates of one chat at once, spread over replicas sharing Redis, with a slow
    sendMessage: they run one at a time, and /forget then deletes every message that was
    sent and received."""
    counter = [1000]
    stores = [RedisStateStore(redis_server.url) for _ in range(replicas)]
    sessions = [SlowSession(0.03, counter) for _ in range(replicas)]
    bots = [BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", s) for s in sessions]
    services = [BotService(dialog, s, b"k", clock=lambda: NOW) for s in stores]
    in_flight, most = 0, 0

    for session in sessions:  # how many sendMessage of this chat run at the same time
        real = session.post

        async def counting(method: str, body: bytes, timeout: float,
                           real: Any = real) -> tuple[int, bytes]:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await real(method, body, timeout)  # type: ignore[no-any-return]
            finally:
                in_flight -= 1

        session.post = counting  # type: ignore[method-assign]

    texts = ["/start", "nudes", "/menu", "chantage", "bonjour", "/help", "photos", "/sos"]
    n = 16
    await asyncio.gather(*(feed(bots[i % replicas], services[i % replicas],
                                message(i + 1, i + 1, texts[i % len(texts)]))
                           for i in range(n)))
    assert most == 1  # one update of the chat at a time, across replicas
    sent = set(range(1001, counter[0] + 1))  # every id Telegram gave a bot message
    assert len(sent) >= n
    await feed(bots[0], services[0], message(n + 1, n + 1, "/forget"))
    deleted = {i for name, p in sessions[0].calls if name == "DeleteMessages"
               for i in p["message_ids"]}
    assert deleted >= sent | set(range(1, n + 2))
    assert redis_server.admin.keys("fwb:[sml]:*") == []
    for s in stores:
        await s.close()


async def test_a_failed_read_never_overwrites(redis_server: RedisServer,
                                              dialog: Dialog) -> None:
    """The connection to Redis breaks mid-conversation: the bot answers without state and
    writes nothing; the Arabic conversation and its message ids are intact afterwards."""
    proxy = Proxy(redis_server.port)
    await proxy.start()
    store = RedisStateStore(proxy.url)
    session = RecordingSession()
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, store, b"k", clock=lambda: NOW, forget_backoff=0.01)
    await service.handle(bot, 1, Start(lang_hint="ar"), 11, 1)
    await service.handle(bot, 1, Text("nudes"), 12, 2)
    key = chat_key(1, b"k")
    admin = redis_server.admin
    state, ids = admin.get(key), admin.lrange(ids_key(key), 0, -1)
    assert State.from_json(state).lang == "ar" and len(ids) >= 4
    proxy.cut()
    assert await service.handle(bot, 1, Text("bonjour"), 13, 3)  # still an answer
    assert "souci technique" in session.sent_texts()[-2]
    await service.handle(bot, 1, Command_forget(), 14, 4)
    assert "pas pu tout effacer" in session.sent_texts()[-1]  # the truth, not "C'est effacé"
    assert admin.get(key) == state and admin.lrange(ids_key(key), 0, -1) == ids
    proxy.mend()
    await service.handle(bot, 1, Command_forget(), 15, 5)
    assert "تم الحذف" in session.sent_texts()[-1]  # "C'est effacé", in Arabic
    deleted = {i for name, p in session.calls if name == "DeleteMessages"
               for i in p["message_ids"]}
    assert {int(i) for i in ids} <= deleted and 15 in deleted
    assert admin.keys("fwb:[sm]:*") == []
    await store.close()
    await proxy.stop()


def Command_forget() -> Any:
    from bot.engine.state import command

    return command("/forget")


async def test_a_replayed_update_is_handled_once(store: RedisStateStore,
                                                 redis_server: RedisServer,
                                                 dialog: Dialog) -> None:
    sessions = [RecordingSession(), RecordingSession()]
    bots = [BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", s) for s in sessions]
    other = RedisStateStore(redis_server.url)
    services = [BotService(dialog, s, b"k", clock=lambda: NOW) for s in (store, other)]
    await feed(bots[0], services[0], message(7, 7, "/start"))
    await feed(bots[1], services[1], message(7, 7, "/start"))  # redelivered to a replica
    assert sessions[0].methods() == ["SendMessage"] and sessions[1].methods() == []
    await other.close()


async def test_a_full_redis_is_told_once_and_reported(dialog: Dialog,
                                                      tmp_path: Path) -> None:
    server = RedisServer(tmp_path, "--maxmemory", "1mb", "--maxmemory-policy", "noeviction")
    try:
        await full_redis(server, dialog)
    finally:
        server.admin.close()
        server.stop()


async def full_redis(server: RedisServer, dialog: Dialog) -> None:
    store = RedisStateStore(server.url)
    session = RecordingSession()
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, store, b"k", clock=lambda: NOW)
    await service.handle(bot, 1, Start(), 1, 1)
    try:
        for i in range(10_000):  # fill it up
            server.admin.set(f"junk:{i}", "x" * 1000)
    except Exception as exc:
        assert "maxmemory" in str(exc)
    with pytest.raises(StoreFullError):
        await store.close_update("fwb:s:z", await_open_plain(), State(), [1], 60, None)
    await service.handle(bot, 1, Text("nudes"), 2, 2)
    await service.handle(bot, 1, Text("chantage"), 3, 3)
    told = [t for t in session.sent_texts() if "retenir notre conversation" in t]
    assert len(told) == 1  # once per chat
    assert "sextorsion" in session.sent_texts()[-1].lower()  # the conversation goes on
    assert service.failed_writes >= 2 and service.last_write_failure is not None
    await store.close()


def await_open_plain() -> Any:
    from bot.store.base import Opened

    return Opened(None, token="t")


# -- URLs and Sentinel -------------------------------------------------------------------------


def test_sentinel_and_bad_urls() -> None:
    parsed = parse_sentinel_url("redis+sentinel://:p%40ss@s1:26379,s2:26380/mymaster/2")
    assert parsed.sentinels == [("s1", 26379), ("s2", 26380)]
    assert (parsed.service, parsed.db, parsed.password) == ("mymaster", 2, "p@ss")
    assert parse_sentinel_url("rediss+sentinel://h:1/m?sentinel_password=x").tls
    for bad in ("http://h", "redis://h:99999/0", "redis://h/abc", "unix://",
                "redis+sentinel://h/mymaster", "redis+sentinel://h:26379",
                "redis+sentinel://h:26379/m/x", "redis://:secretpw@h/abc"):
        with pytest.raises(ConfigError) as err:
            connect(bad)
        assert "\n" not in str(err.value) and "secretpw" not in str(err.value)
    client = connect("unix:///run/redis.sock?db=2&password=z")
    assert client.connection_pool.connection_kwargs["password"] == "z"
    tls = connect("rediss://h:6380/1?ssl_cert_reqs=required&ssl_ca_certs=/etc/ca.pem")
    assert tls.connection_pool.connection_kwargs["ssl_ca_certs"] == "/etc/ca.pem"


async def test_a_real_sentinel(redis_server: RedisServer, tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor fwbmaster 127.0.0.1 {redis_server.port} 1\n")
    proc = subprocess.Popen(["redis-server", str(conf), "--sentinel"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        store = RedisStateStore(f"redis+sentinel://127.0.0.1:{port}/fwbmaster/0")
        while True:
            try:
                await store.ping()
                break
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
        opened = await store.open_update("fwb:s:sent", None)
        await store.close_update("fwb:s:sent", opened, State(lang="nl"), [3], 60, None)
        assert redis_server.admin.exists("fwb:s:sent")  # written on the master
        await store.close()
    finally:
        proc.kill()
        proc.wait()


async def test_flood_control_is_shared_by_replicas_and_kept_in_redis(
        redis_server: RedisServer, dialog: Dialog) -> None:
    """Messages of one chat spread over two replicas count together: past the limit one
    "slow down", then silence; no replica keeps anything of that chat in its memory, and the
    count expires with its window."""
    stores = [RedisStateStore(redis_server.url) for _ in range(2)]
    sessions = [RecordingSession(), RecordingSession()]
    bots = [BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", s) for s in sessions]
    services = [BotService(dialog, s, b"k", clock=lambda: NOW,
                           throttle=Throttle(limit=3, window=10.0)) for s in stores]
    try:
        for i in range(6):  # replicas take turns
            await feed(bots[i % 2], services[i % 2], message(i + 1, i + 1, "bonjour"))
        texts = [t for s in sessions for t in s.sent_texts()]
        assert len(texts) == 4 and sum("Doucement" in t for t in texts) == 1
        assert all(len(s.throttle or ()) == 0 for s in services)  # nothing per chat in process
        key = flood_key(chat_key(CHAT["id"], b"k"))
        assert redis_server.admin.get(key) == b"6"
        assert 0 < redis_server.admin.pttl(key) <= 10_000
        # a replayed update is not counted twice
        await feed(bots[0], services[0], message(6, 6, "bonjour"))
        assert redis_server.admin.get(key) == b"6"
        await feed(bots[0], services[0], message(7, 7, "/forget"))  # a command is not counted
        deleted = {i for name, p in sessions[0].calls if name == "DeleteMessages"
                   for i in p["message_ids"]}
        assert set(range(1, 8)) <= deleted  # the dropped messages were recorded too
    finally:
        for s in stores:
            await s.close()
