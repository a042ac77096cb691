"""The Redis state store against the real server, TTL included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.dialog import Dialog
from bot.engine.state import State
from bot.errors import StoreError
from bot.store.redis import RedisStateStore
from bot.store.stats import RedisStats

from .redis_util import REDIS_URL, require_redis

pytestmark = pytest.mark.redis


@pytest.fixture
async def store() -> AsyncIterator[RedisStateStore]:
    require_redis()
    s = RedisStateStore(REDIS_URL)
    await s.client.flushdb()
    yield s
    await s.client.flushdb()
    await s.close()


async def test_round_trip_and_ttl(store: RedisStateStore) -> None:
    state = State(lang="nl", audience="young", at="sexting:start", back=("menu:young",))
    await store.set("fwb:s:abc", state, ttl=60)
    assert await store.get("fwb:s:abc") == state
    ttl = await store.client.ttl("fwb:s:abc")
    assert 55 <= ttl <= 60


async def test_state_expires(store: RedisStateStore) -> None:
    """Expiry is Redis's: the key carries the TTL asked for (no wall-clock sleep)."""
    await store.set("fwb:s:short", State(audience="pro"), ttl=1)
    assert 0 < await store.client.pttl("fwb:s:short") <= 1000


async def test_delete_is_immediate(store: RedisStateStore) -> None:
    await store.set("fwb:s:x", State(), ttl=60)
    await store.delete("fwb:s:x")
    assert await store.client.exists("fwb:s:x") == 0


async def test_conversation_is_small(store: RedisStateStore) -> None:
    state = State(lang="fr", lang_chosen=True, audience="young", at="sextortion:what_now",
                  back=("menu:young", "sextortion:start"), greeted=True,
                  message_ids=tuple(range(1000, 1010)))
    await store.set("fwb:s:size", state, ttl=60)
    assert await store.client.memory_usage("fwb:s:size") < 400


async def test_stats_are_counters_without_ids(store: RedisStateStore) -> None:
    stats = RedisStats(store.client)
    await stats.add("2026-01-05", [("fr", "start:start"), ("fr", "start:start"),
                                   ("ar", "menu:young")])
    rows = await stats.rows()
    assert ("2026-01-05", "fr", "start:start", 2) in rows
    assert ("2026-01-05", "ar", "menu:young", 1) in rows


async def test_unreachable_redis_raises_store_error() -> None:
    s = RedisStateStore("redis://127.0.0.1:1/0")
    with pytest.raises(StoreError):
        await s.ping()
    with pytest.raises(StoreError):
        await s.get("fwb:s:x")
    await s.close()


async def test_one_read_and_one_write_per_update(store: RedisStateStore,
                                                 dialog: Dialog) -> None:
    """Redis mode: one GET and one SET per update; statistics are flushed in batches."""
    from aiogram import Bot

    from bot.engine.state import Start, Text
    from bot.store.stats import BufferedStats
    from bot.telegram.service import BotService

    from .conftest import NOW
    from .fakes.session import RecordingSession

    await store.ping()  # connected (the handshake's SELECT is not an update's round trip)
    round_trips: list[str] = []
    real_write, real_pipeline = store.conn._write, store.client.pipeline

    def spy_write(protocol: Any, args: tuple[Any, ...]) -> Any:  # a command on the wire
        round_trips.append(str(args[0]))
        return real_write(protocol, args)

    def spy_pipeline(**kwargs: object) -> object:
        pipe = real_pipeline(**kwargs)
        real_execute = pipe.execute

        async def execute() -> object:
            round_trips.append("PIPELINE")
            return await real_execute()

        pipe.execute = execute
        return pipe

    store.conn._write = spy_write  # type: ignore[method-assign]
    store.client.pipeline = spy_pipeline
    stats = BufferedStats(RedisStats(store.client))
    service = BotService(dialog, store, b"k", stats=stats, clock=lambda: NOW)
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=RecordingSession())
    await service.handle(bot, 42, Start(), 1)
    await service.handle(bot, 42, Text("nudes"), 2)
    assert round_trips == ["GET", "SET", "GET", "SET"]
    await stats.flush()
    assert round_trips[-1] == "PIPELINE"
    rows = await RedisStats(store.client).rows()
    assert sum(count for *_, count in rows) >= 2


async def test_a_button_press_reads_state_while_its_callback_is_answered(
        store: RedisStateStore, dialog: Dialog) -> None:
    """The GET goes out before answerCallbackQuery, so the two round trips overlap; the
    press still lands where the chat was (state read, then written once)."""
    from aiogram import Bot
    from aiogram.types import Update

    from bot.telegram.app import build_dispatcher
    from bot.telegram.service import BotService

    from .conftest import NOW
    from .fakes.session import CHAT, RecordingSession

    order: list[str] = []
    real_write = store.conn._write

    def spy_write(protocol: Any, args: tuple[Any, ...]) -> Any:  # a command on the wire
        order.append(str(args[0]))
        return real_write(protocol, args)

    session = RecordingSession()
    real_request = session.make_request

    async def spy_request(bot: Bot, method: Any, timeout: int | None = None) -> Any:
        order.append(method.__api_method__)
        return await real_request(bot, method, timeout)

    service = BotService(dialog, store, b"k", clock=lambda: NOW)
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    session.make_request = spy_request  # type: ignore[method-assign]
    store.conn._write = spy_write  # type: ignore[method-assign]
    dispatcher = build_dispatcher(service)
    user = {"id": CHAT["id"], "is_bot": False, "first_name": "A", "language_code": "fr"}
    await dispatcher.feed_update(bot, Update.model_validate({"update_id": 1, "message": {
        "message_id": 1, "date": 1700000000, "chat": CHAT, "from": user, "text": "/start"}},
        context={"bot": bot}))
    markup = session.calls[-1][1]["reply_markup"]["inline_keyboard"]
    data = next(b["callback_data"] for row in markup for b in row if b.get("callback_data"))
    order.clear()
    await dispatcher.feed_update(bot, Update.model_validate({"update_id": 2, "callback_query": {
        "id": "cb", "from": user, "chat_instance": "ci", "data": data,
        "message": {"message_id": 2, "date": 1700000000, "chat": CHAT, "text": "x",
                    "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}}},
        context={"bot": bot}))
    assert order == ["GET", "answerCallbackQuery", "sendMessage", "SET"]
    assert session.sent_texts()[-1] != session.sent_texts()[0]  # moved on from the start
