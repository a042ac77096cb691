"""Erasing the conversation automatically, when the young person asks for it."""

from __future__ import annotations

import pytest

from bot.dialog import Dialog
from bot.store import chat_key
from bot.store.base import mask_chat, unmask_chat

from .fakes.session import CHAT
from .test_living_message import Living
from .test_telegram_adapter import SECRET


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def erasing(dialog: Dialog) -> tuple[Living, Clock]:
    clock = Clock()
    harness = Living(dialog)
    harness.service.wall = clock
    return harness, clock


def _deleted(h: Living) -> set[int]:
    return {i for name, p in h.session.calls if name == "DeleteMessages"
            for i in p["message_ids"]}


async def test_the_conversation_is_erased_after_the_chosen_idle_time(
        erasing: tuple[Living, Clock]) -> None:
    h, clock = erasing
    await h.text("/start")
    await h.press("Ce que le bot garde")
    await h.press("Effacer 30 min après")  # set: {auto_erase: 30}
    key = chat_key(CHAT["id"], SECRET)
    state = await h.store.get(key)
    assert state is not None and state.erase_after == 30
    clock.t += 20 * 60
    await h.text("bonjour")  # activity moves the deadline
    clock.t += 20 * 60
    assert await h.service.erase_due(h.bot) == 0  # 20 minutes idle only
    clock.t += 11 * 60
    assert await h.service.erase_due(h.bot) == 1
    assert await h.store.get(key) is None
    assert {11, 12} <= _deleted(h) and 1001 in _deleted(h)  # both sides
    assert await h.service.erase_due(h.bot) == 0  # once


async def test_stopping_it_cancels_the_deadline(erasing: tuple[Living, Clock]) -> None:
    h, clock = erasing
    await h.text("/start")
    await h.press("Ce que le bot garde")
    await h.press("Effacer 30 min après")
    await h.text("/privacy")
    await h.press("Ne plus effacer seul")
    clock.t += 3600
    assert await h.service.erase_due(h.bot) == 0
    assert await h.store.get(chat_key(CHAT["id"], SECRET)) is not None


def test_the_schedule_keeps_no_chat_id_in_clear() -> None:
    key = chat_key(-1001234567890, b"s")
    masked = mask_chat(-1001234567890, key, b"s")
    assert "1234567890" not in masked
    assert unmask_chat(masked, key, b"s") == -1001234567890
    assert unmask_chat(masked, key, b"other secret") != -1001234567890


async def test_redis_schedule_is_claimed_once(redis_server: object) -> None:
    from bot.store.redis import RedisStateStore

    url = redis_server.url  # type: ignore[attr-defined]
    one, two = RedisStateStore(url), RedisStateStore(url)
    try:
        await one.schedule_erase("fwb:s:abc", "123", 100.0)
        await one.schedule_erase("fwb:s:def", "456", 300.0)
        assert await two.due_erasures(50.0) == []
        assert await two.due_erasures(200.0) == [("fwb:s:abc", "123")]
        assert await one.due_erasures(200.0) == []  # claimed already
        await one.cancel_erase("fwb:s:def")
        assert await one.due_erasures(1000.0) == []
    finally:
        await one.close()
        await two.close()
