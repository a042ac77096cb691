"""Each reply sent once, every message findable by /forget: dedup, retries, shutdown, media."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.dialog import Dialog
from bot.engine import Text
from bot.engine.state import State
from bot.errors import StoreFullError
from bot.limits import Throttle
from bot.store import MemoryStateStore, chat_key
from bot.store.base import Opened
from bot.telegram.api import BotApi, HttpTransport, NetworkError
from bot.telegram.app import build_updates
from bot.telegram.retry import Retry
from bot.telegram.service import BotService
from bot.telegram.webhook import build_webhook_app, serve_webhook

from .conftest import NOW, free_port
from .fakes.session import CHAT, SlowSession
from .test_telegram_adapter import SECRET, Harness

# -- the Bot API: a request whose outcome is unknown is not sent again ------------------------


@pytest.fixture
async def slow_api() -> AsyncIterator[tuple[str, dict[str, int]]]:
    """A Bot API that takes 1 s to answer sendMessage and fails deleteMessages twice (500)."""
    hits: dict[str, int] = {}

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        hits[method] = hits.get(method, 0) + 1
        if method == "sendMessage":
            await asyncio.sleep(1.0)
            return web.json_response({"ok": True, "result": {"message_id": 1}})
        if method == "deleteMessages" and hits[method] <= 2:
            return web.json_response({"ok": False, "error_code": 500,
                                      "description": "Internal Server Error"}, status=500)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    server = TestServer(app)
    await server.start_server()
    yield f"http://127.0.0.1:{server.port}", hits
    await server.close()


def api_bot(base: str, pauses: list[float]) -> BotApi:
    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    token = "123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx"
    return BotApi(token, HttpTransport(token, base), retry=Retry(sleep=sleep), timeout=0.3)


async def test_a_timed_out_send_is_not_sent_again(slow_api: tuple[str, dict[str, int]]
                                                  ) -> None:
    base, hits = slow_api
    pauses: list[float] = []
    bot = api_bot(base, pauses)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    await asyncio.sleep(1.0)  # let the server finish: it received the message once
    assert hits["sendMessage"] == 1 and pauses == []
    assert await bot.delete_messages(1, [1])  # idempotent: retried
    assert hits["deleteMessages"] == 3 and len(pauses) == 2
    await bot.close()


async def test_a_send_that_never_left_is_retried() -> None:
    pauses: list[float] = []
    bot = api_bot(f"http://127.0.0.1:{free_port()}", pauses)  # nobody listens
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    assert len(pauses) == 3  # refused connections: surely not delivered, so retried
    await bot.close()


# -- replayed updates ---------------------------------------------------------------------------


async def test_a_replayed_update_is_answered_once(dialog: Dialog) -> None:
    harness = Harness(dialog)
    await harness.text("/start")
    harness.update_id -= 1  # the same update_id again (Telegram redelivers)
    harness.message_id -= 1
    await harness.text("/start")
    assert harness.session.methods() == ["SendMessage"]


# -- /forget finds everything -------------------------------------------------------------------


async def test_a_contact_card_is_deleted_at_once_and_never_stored(dialog: Dialog) -> None:
    harness = Harness(dialog)
    await harness.message(contact={"phone_number": "+32470123456", "first_name": "Lina",
                                   "user_id": 99})
    deleted = [p for n, p in harness.session.calls if n == "DeleteMessages"]
    assert deleted and deleted[0]["message_ids"] == [harness.message_id]
    assert "supprimé le contact" in harness.session.sent_texts()[-1]
    store = harness.store
    dump = repr([(k, c.state, list(c.ids), c.done) for k, c in store.records()])
    assert "32470123456" not in dump and "Lina" not in dump


async def test_a_photo_that_could_not_be_deleted_is_not_called_deleted(dialog: Dialog
                                                                       ) -> None:
    harness = Harness(dialog)
    harness.session.queue("DeleteMessages", 400, {
        "ok": False, "error_code": 400, "description": "Bad Request: message can't be deleted"})
    await harness.message(photo=[{"file_id": "p", "file_unique_id": "pu", "width": 1,
                                  "height": 1}])
    text = harness.session.sent_texts()[-1]
    assert "pas pu supprimer" in text and "J'ai supprimé" not in text
    await harness.text("/forget")  # the photo is still on record: /forget tries again
    last = [p for n, p in harness.session.calls if n == "DeleteMessages"][-1]
    assert 11 in last["message_ids"]


async def test_dropped_messages_and_the_slow_down_reply_are_forgotten_too(dialog: Dialog
                                                                          ) -> None:
    harness = Harness(dialog, throttle=Throttle(limit=2, window=60, clock=lambda: 0.0))
    for _ in range(6):
        await harness.text("bonjour")
    sent_ids = set(range(1001, harness.session.next_id + 1))
    assert "Doucement" in harness.session.sent_texts()[-1]
    await harness.text("/forget")
    deleted = {i for n, p in harness.session.calls if n == "DeleteMessages"
               for i in p["message_ids"]}
    assert deleted >= sent_ids | set(range(11, 18))


async def test_an_ignored_message_is_still_forgotten(dialog: Dialog) -> None:
    harness = Harness(dialog)
    await harness.message(dice={"emoji": "🎲", "value": 3})
    assert harness.session.methods() == []
    await harness.text("/forget")
    deleted = [p for n, p in harness.session.calls if n == "DeleteMessages"][-1]
    assert 11 in deleted["message_ids"]


# -- flood control stays bounded ----------------------------------------------------------------


def test_flood_control_is_bounded_past_100000_chats() -> None:
    now = [0.0]
    throttle = Throttle(limit=3, window=10.0, clock=lambda: now[0], max_chats=50_000)
    timings = []
    for block in range(15):  # 150,000 distinct chats, 10,000 a second
        t0 = time.perf_counter()
        for i in range(10_000):
            now[0] += 0.0001
            throttle.check(f"chat{block}-{i}")
        timings.append(time.perf_counter() - t0)
        assert len(throttle) <= 50_000
    assert len(throttle) == 50_000  # the last 10 s only, within the cap
    assert max(timings[-5:]) < 3 * min(timings[:5]) + 0.05  # constant cost per check
    for _ in range(4):  # and it still works after all that
        verdict = throttle.check("busy")
    assert verdict.value == "warn"


# -- a store that refuses writes: told once, /readyz red ----------------------------------------


class FullStore(MemoryStateStore):
    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        raise StoreFullError("Redis is full")

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        raise StoreFullError("Redis is full")


def settings() -> Settings:
    return Settings.load({"BOT_TOKEN": "123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", "WEBHOOK_URL": "https://bot.example.org",
                          "WEBHOOK_SECRET": "s3cret", "WEBHOOK_PATH": "/telegram",
                          "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(free_port())})


async def test_refused_writes_are_told_once_and_turn_readiness_red(dialog: Dialog) -> None:
    session = SlowSession(0)
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, FullStore(), SECRET, clock=lambda: NOW)
    client = TestClient(TestServer(build_webhook_app(settings(), bot, build_updates(service),
                                                     service)))
    await client.start_server()
    assert (await client.get("/healthz")).status == 200
    await service.handle(bot, 1, Text("nudes"), 1, 1)
    await service.handle(bot, 1, Text("chantage"), 2, 2)
    told = [t for t in session.sent_texts() if "retenir notre conversation" in t]
    assert len(told) == 1 and service.failed_writes == 2
    assert (await client.get("/healthz")).status == 200  # alive: no restart for a full Redis
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert "state store refused a write in the last minute (full?)" in (
        await ready.json())["problems"]
    await client.close()


# -- shutdown: in-flight updates finish before the session closes -------------------------------


async def test_webhook_listens_before_set_webhook_and_drains_before_closing(
        dialog: Dialog) -> None:
    cfg = settings()
    session = SlowSession(0.5)
    listening_at_set: list[bool] = []
    real = session.post

    async def spying(method: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        if method == "setWebhook":
            with socket.socket() as s:
                listening_at_set.append(s.connect_ex(("127.0.0.1", cfg.webhook_port)) == 0)
        return await real(method, body, timeout)

    session.post = spying  # type: ignore[method-assign]
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, MemoryStateStore(), SECRET, clock=lambda: NOW)
    serving = asyncio.create_task(serve_webhook(cfg, bot, build_updates(service), service))
    while not listening_at_set:
        await asyncio.sleep(0.05)
    assert listening_at_set == [True]
    from aiohttp import ClientSession

    async def post() -> int:
        async with ClientSession() as http, http.post(
                f"http://127.0.0.1:{cfg.webhook_port}/telegram",
                json={"update_id": 1, "message": {
                    "message_id": 1, "date": 1700000000, "chat": CHAT, "text": "/start",
                    "from": {"id": CHAT["id"], "is_bot": False, "first_name": "A"}}},
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as r:
            return r.status

    posting = asyncio.create_task(post())
    await asyncio.sleep(0.2)  # the update is in flight (sendMessage takes 0.5 s)
    os.kill(os.getpid(), signal.SIGTERM)
    await serving
    await bot.close()  # what serve() does once serve_webhook returns
    assert await posting == 200
    assert "SendMessage" in session.methods()
    assert session.closed_at == len(session.calls)  # closed after the reply, not before
    assert await service.drain(0.1)


async def test_drain_waits_for_updates_in_flight(dialog: Dialog) -> None:
    session = SlowSession(0.3)
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, MemoryStateStore(), SECRET, clock=lambda: NOW)

    async def one() -> None:
        async with service.track():
            await service.handle(bot, 1, Text("nudes"), 1, 1)

    task = asyncio.create_task(one())
    await asyncio.sleep(0.05)
    assert await service.drain(5.0) and task.done()
    assert await service.store.get(chat_key(1, SECRET)) is not None


class FullOnOpen(FullStore):
    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        raise StoreFullError("Redis is full")  # the lock (a write) is refused too


async def test_flood_control_holds_when_the_store_cannot_count(dialog: Dialog) -> None:
    """Redis refusing writes: the store cannot count the chat's messages, so this process
    does (the bot still slows a flood down)."""
    session = SlowSession(0)
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, FullOnOpen(), SECRET, clock=lambda: NOW,
                         throttle=Throttle(limit=2, window=60.0))
    for i in range(1, 5):
        await service.handle(bot, 1, Text("bonjour"), i, i)
    texts = session.sent_texts()
    assert sum("Doucement" in t for t in texts) == 1 and "Doucement" in texts[-1]
    assert service.throttle is not None and len(service.throttle) == 1
