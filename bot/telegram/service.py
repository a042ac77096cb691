"""One update, start to finish: load state, step the dialog, send replies, save state.

Everything Telegram-specific that is not routing lives here: keyboards, protect_content,
deleting media and (on /forget) the conversation, throttling, state-store failures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError

from ..dialog import Dialog, Notice
from ..engine import Count, DeleteIncoming, Event, Forget, Reply, State, Text
from ..store import StateStore, StoreError, chat_key
from ..store.stats import StatsSink, day_key
from .keyboards import KEYBOARDS
from .methods import SendText

log = logging.getLogger(__name__)
DELETE_CHUNK = 100  # deleteMessages takes at most 100 ids


class Flood(enum.Enum):
    """What flood control says of a message."""

    OK = "ok"
    WARN = "warn"  # the first message over the limit: answer "slow down" once
    DROP = "drop"  # over the limit and already warned: no answer


@dataclass
class Throttle:
    """Per-chat sliding window: past ``limit`` messages in ``window`` s, drop (warn once).

    Only chats active within the last ``window`` seconds are remembered: chats are kept in
    order of their last message and the idle ones at the front are let go at each check, so
    the table holds at most the chats of the last ``window`` seconds (and never more than
    ``max_chats``) and a check costs O(1) amortised, however many chats the bot has seen.
    """

    limit: int = 8
    window: float = 10.0
    clock: Callable[[], float] = time.monotonic
    max_chats: int = 100_000
    _seen: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _warned: dict[str, float] = field(default_factory=dict)

    def check(self, key: str) -> Flood:
        now = self.clock()
        horizon = now - self.window
        seen = self._seen
        while seen:
            oldest, times = next(iter(seen.items()))
            if times[-1] > horizon and len(seen) < self.max_chats:
                break
            del seen[oldest]
            self._warned.pop(oldest, None)
        q = seen.pop(key, None)
        if q is None:
            q = deque(maxlen=self.limit + 1)
        seen[key] = q  # now the most recently active
        while q and q[0] <= horizon:
            q.popleft()
        q.append(now)
        if len(q) <= self.limit:
            self._warned.pop(key, None)
            return Flood.OK
        if self._warned.get(key, -1e18) > horizon:
            return Flood.DROP
        self._warned[key] = now
        return Flood.WARN

    def __len__(self) -> int:
        return len(self._seen)


@dataclass
class BotService:
    dialog: Dialog
    store: StateStore
    secret: bytes
    ttl: int = 86400
    stats: StatsSink | None = None
    throttle: Throttle | None = None
    clock: Callable[[], dt.datetime] | None = None
    _told_lost: set[str] = field(default_factory=set)  # chats told "I lost our place"

    def now(self) -> dt.datetime:
        return self.clock() if self.clock is not None else dt.datetime.now(dt.UTC)

    async def _load(self, key: str, reading: Awaitable[State | None] | None = None
                    ) -> tuple[State | None, bool]:
        try:
            return await (reading if reading is not None else self.store.get(key)), False
        except StoreError as exc:
            log.warning("state store unavailable on read (%s): answering without state", exc)
            return None, True

    async def _save(self, key: str, state: State | None) -> None:
        try:
            if state is None:
                await self.store.delete(key)
            else:
                await self.store.set(key, state, self.ttl)
        except StoreError as exc:
            log.warning("state store unavailable on write (%s)", exc)

    def prefetch(self, chat_id: int) -> Coroutine[Any, Any, tuple[State | None, bool]]:
        """Start reading a chat's state now, where the store can (Redis): a button press
        sends its read before answering its callback query, so the two round trips overlap.
        The caller awaits the result (or closes it, if it does not need it)."""
        key = chat_key(chat_id, self.secret)
        return self._load(key, self.store.get_soon(key))

    async def handle(self, bot: Bot, chat_id: int, event: Event,
                     incoming_id: int | None = None,
                     loading: Awaitable[tuple[State | None, bool]] | None = None) -> list[int]:
        """Process one event of one private chat; returns the ids of messages sent.

        ``loading``: the chat's state being read already (:meth:`prefetch`)."""
        key = chat_key(chat_id, self.secret)
        if self.throttle is not None and isinstance(event, Text):
            verdict = self.throttle.check(key)
            if verdict is Flood.DROP:
                return []
            if verdict is Flood.WARN:
                state, _ = await self._load(key)
                turn = self.dialog.notice(state, Notice.SLOW_DOWN, self.now())
                return (await self._reply(bot, chat_id, key, turn.replies))[0]
        state, lost = await (loading if loading is not None else self._load(key))
        tell = lost and key not in self._told_lost and len(self._told_lost) < 100_000
        if tell:  # say it once per chat while the store is down; the buttons keep working
            self._told_lost.add(key)
        elif not lost and self._told_lost:
            self._told_lost.clear()
        turn = await self.dialog.handle(state, event, self.now(), state_lost=tell)
        replies = turn.replies
        forget = any(isinstance(e, Forget) for e in turn.effects)
        if forget:
            await self._save(key, None)
            await self._delete_all(bot, chat_id, [
                *(state.message_ids if state else ()), *([incoming_id] if incoming_id else [])])
        elif incoming_id and any(isinstance(e, DeleteIncoming) for e in turn.effects):
            await self._delete_all(bot, chat_id, [incoming_id])
        sent, blocked = await self._reply(bot, chat_id, key, replies)
        if not blocked and not forget:
            ids = [incoming_id, *sent] if incoming_id else sent
            await self._save(key, turn.state.with_message_ids([i for i in ids if i]))
        await self._count([(c.lang, c.node) for c in turn.effects if isinstance(c, Count)])
        return sent

    async def _count(self, counts: list[tuple[str, str]]) -> None:
        if self.stats is None or not counts:
            return
        try:
            await self.stats.add(day_key(self.now()), counts)
        except Exception as exc:  # statistics must never break a conversation
            log.warning("statistics not recorded (%s)", type(exc).__name__)

    async def _reply(self, bot: Bot, chat_id: int, key: str,
                     replies: tuple[Reply, ...] | list[Reply]) -> tuple[list[int], bool]:
        """Send replies; if the user has blocked the bot, drop that chat's state."""
        sent, blocked = await self._send(bot, chat_id, replies)
        if blocked:
            log.info("a user blocked the bot: dropping that chat's state")
            await self._save(key, None)
        return sent, blocked

    async def _send(self, bot: Bot, chat_id: int, replies: tuple[Reply, ...] | list[Reply]
                    ) -> tuple[list[int], bool]:
        """Send replies in order; ``(ids sent, whether the user has blocked the bot)``."""
        sent: list[int] = []
        for reply in replies:
            try:
                msg = await bot(SendText(
                    chat_id=chat_id, text=reply.text, reply_markup=KEYBOARDS.markup(reply),
                    protect_content=True if reply.protect else None))
                sent.append(msg.message_id)
                if reply.venue is not None:
                    venue = await bot.send_venue(chat_id, reply.venue.lat, reply.venue.lon,
                                                 reply.venue.title, reply.venue.address)
                    sent.append(venue.message_id)
            except TelegramForbiddenError:
                return sent, True
        return sent, False

    async def _delete_all(self, bot: Bot, chat_id: int, ids: list[int]) -> None:
        """Delete messages where Telegram allows it (private chats, under 48 h); never fail."""
        unique = sorted(set(ids))
        for i in range(0, len(unique), DELETE_CHUNK):
            try:
                await bot.delete_messages(chat_id, unique[i:i + DELETE_CHUNK])
            except TelegramAPIError as exc:
                log.info("some messages could not be deleted (%s)", type(exc).__name__)
            await asyncio.sleep(0)

    async def error_reply(self, bot: Bot, chat_id: int) -> None:
        """Last resort after an unexpected error: the emergency numbers, never silence."""
        key = chat_key(chat_id, self.secret)
        state, _ = await self._load(key)
        turn = self.dialog.notice(state, Notice.ERROR, self.now())
        try:
            await self._reply(bot, chat_id, key, turn.replies)
        except TelegramAPIError as exc:
            log.warning("error reply not sent (%s)", type(exc).__name__)
