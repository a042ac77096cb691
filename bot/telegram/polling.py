"""Polling mode: ``getUpdates`` in a loop, each update handled in a task of its own.

Updates of one chat still run one at a time, in order (the service's chat lock is taken in
the order the tasks start, which is the order Telegram sent them). A failed ``getUpdates``
(Telegram or the network down) is tried again after 1, 2, 4 ... up to 30 s, with one log line
each time; a 401 (the token was revoked) or a 409 (another process polls with this token)
stops the bot with a message saying so.

SIGTERM or SIGINT stops the loop: the long poll in flight is abandoned, the updates already
received are finished (the caller drains the service), and their offset is confirmed to
Telegram so that they are not delivered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from ..errors import ConfigError
from .api import BotApi, ConflictError, TelegramError, UnauthorizedError
from .updates import ALLOWED_UPDATES, Updates

log = logging.getLogger(__name__)

LONG_POLL = 25  # seconds Telegram holds a getUpdates open when there is nothing new
BACKOFF_MAX = 30.0
#: What a 401 means for the operator, whichever call met it first (start-up or polling).
TOKEN_REFUSED = ("BOT_TOKEN was refused by Telegram (revoked or mistyped): ask @BotFather "
                 "for the bot's token")


class Polling:
    def __init__(self, bot: BotApi, updates: Updates, long_poll: int = LONG_POLL,
                 first_delay: float = 1.0) -> None:
        self.bot = bot
        self.updates = updates
        self.long_poll = long_poll
        self.first_delay = first_delay
        self.offset = 0
        self.stop = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()

    def handle_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)

    async def run(self) -> None:
        """Poll until :attr:`stop` is set."""
        delay = self.first_delay
        stopping = asyncio.ensure_future(self.stop.wait())
        try:
            while not self.stop.is_set():
                fetch = asyncio.ensure_future(self.bot.get_updates(
                    self.offset, self.long_poll, ALLOWED_UPDATES))
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    with contextlib.suppress(asyncio.CancelledError, TelegramError):
                        await fetch
                    break
                try:
                    batch = fetch.result()
                except UnauthorizedError:
                    raise ConfigError(TOKEN_REFUSED) from None
                except ConflictError:
                    raise ConfigError("another process is receiving this bot's updates "
                                      "(polling, or a webhook is set): run one bot per "
                                      "token") from None
                except TelegramError as exc:
                    log.warning("getUpdates failed (%s): trying again in %.1f s",
                                type(exc).__name__, delay)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stop.wait(), delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                    continue
                delay = self.first_delay
                for update in batch:
                    self._dispatch(update)
        finally:
            stopping.cancel()
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)
            await self._confirm()

    def _dispatch(self, update: object) -> None:
        if not isinstance(update, dict):
            log.warning("getUpdates: an update that is not a JSON object was dropped")
            return
        update_id = update.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self.offset = max(self.offset, update_id + 1)
        task = asyncio.ensure_future(self.updates.feed(self.bot, update))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _confirm(self) -> None:
        """Tell Telegram the updates handled are done (they are not delivered again)."""
        if not self.offset:
            return
        try:
            await self.bot.get_updates(self.offset, 0, ALLOWED_UPDATES, limit=1)
        except (TelegramError, asyncio.CancelledError) as exc:
            log.info("last offset not confirmed (%s)", type(exc).__name__)
