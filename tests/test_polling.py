"""Polling mode against the fake Bot API over real HTTP: failures of getUpdates, a revoked
token, another poller, and a clean stop that confirms the updates handled."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.dialog import Dialog
from bot.errors import ConfigError
from bot.store import MemoryStateStore
from bot.telegram.api import BotApi, HttpTransport
from bot.telegram.polling import Polling
from bot.telegram.service import BotService
from bot.telegram.updates import Updates

from .conftest import NOW
from .fakes.botapi import FakeBotAPI

TOKEN = "123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx"


def polling(api: FakeBotAPI, dialog: Dialog) -> Polling:
    bot = BotApi(TOKEN, HttpTransport(TOKEN, f"http://127.0.0.1:{api.port}"))
    service = BotService(dialog, MemoryStateStore(), b"k", clock=lambda: NOW)
    return Polling(bot, Updates(service), long_poll=1, first_delay=0.01)


async def test_failed_polls_are_retried_and_a_stop_confirms_the_offset(
        api: FakeBotAPI, dialog: Dialog, caplog: pytest.LogCaptureFixture) -> None:
    api.fail_next["getUpdates"] = [
        (502, "<html>Bad Gateway</html>"),
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})]
    api.user_message("/start")
    api.user_message("nudes")
    poll = polling(api, dialog)
    running = asyncio.create_task(poll.run())
    sent = await api.wait_sent(2)
    assert "assistant automatique" in sent[0]["text"]
    assert caplog.text.count("getUpdates failed") == 2
    assert "Bad Gateway" not in caplog.text  # the type only
    poll.stop.set()
    await asyncio.wait_for(running, 5)  # the long poll in flight is abandoned at once
    assert api.offsets[-1] == 3  # both updates confirmed: not delivered again
    await poll.bot.close()


async def test_a_stop_finishes_the_updates_in_flight(api: FakeBotAPI, dialog: Dialog) -> None:
    poll = polling(api, dialog)
    real = poll.updates.feed
    started = asyncio.Event()

    async def slow(bot: BotApi, data: dict[str, object]) -> object:
        started.set()
        await asyncio.sleep(0.3)
        return await real(bot, data)

    poll.updates.feed = slow  # type: ignore[method-assign]
    running = asyncio.create_task(poll.run())
    api.user_message("/start")
    await asyncio.wait_for(started.wait(), 5)
    poll.stop.set()
    await asyncio.wait_for(running, 5)
    assert len(api.sent) == 1  # answered before run() returned
    await poll.bot.close()


@pytest.mark.parametrize(("status", "says"), [(401, "BOT_TOKEN was refused"),
                                              (409, "another process")])
async def test_a_refused_token_or_a_second_poller_stops_with_a_clear_line(
        api: FakeBotAPI, dialog: Dialog, status: int, says: str) -> None:
    api.fail_next["getUpdates"] = [(status, {"ok": False, "error_code": status,
                                             "description": "Unauthorized" if status == 401
                                             else "Conflict: terminated by other getUpdates"})]
    poll = polling(api, dialog)
    with pytest.raises(ConfigError, match=says):
        await asyncio.wait_for(poll.run(), 5)
    await poll.bot.close()


async def test_an_update_that_is_not_an_object_is_dropped(api: FakeBotAPI,
                                                          dialog: Dialog) -> None:
    poll = polling(api, dialog)
    api.updates.append("garbage")  # type: ignore[arg-type]
    api.user_message("/start")
    running = asyncio.create_task(poll.run())
    await api.wait_sent(1)
    poll.stop.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(running, 5)
    assert running.done() and running.exception() is None
    await poll.bot.close()
