"""One update, start to finish: open the chat, step the dialog, send replies, close the chat.

Everything Telegram-specific that is not routing lives here: keyboards, protect_content,
deleting media and (on /forget) the conversation, throttling, state-store failures.

The updates of one chat are applied one at a time, in order: in this process by a lock per
chat (:class:`ChatLocks`), across replicas by the store's own lock (Redis). An update opens
the chat (lock, state, "already handled?") in one round trip and closes it (state, message
ids, "handled", unlock) in one more. Message ids are appended, never rewritten, so
``/forget`` finds every message that was exchanged. A state is written only if it was read:
after a failed read the bot answers without state and writes nothing but message ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import TracebackType

from ..dialog import Dialog, Notice
from ..engine import Count, DeleteIncoming, Event, Forget, Reply, State, Text, Turn
from ..errors import StoreFullError
from ..limits import Flood, Throttle
from ..store import StateStore, StoreError, chat_key
from ..store.base import Opened, done_key, mask_chat, unmask_chat
from ..store.stats import StatsSink, record
from .api import BadRequestError, BotApi, ForbiddenError, TelegramError
from .keyboards import KEYBOARDS

log = logging.getLogger(__name__)
DELETE_CHUNK = 100  # deleteMessages takes at most 100 ids
TOLD_LIMIT = 100_000  # chats remembered as "told" per notice (a bound, not a policy)


class ChatLocks:
    """One ``asyncio.Lock`` per chat with an update in flight: made on demand, dropped as
    soon as nobody holds or waits for it (so the table holds only the chats being handled
    right now)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    def hold(self, key: str) -> _Held:
        return _Held(self, key)

    def __len__(self) -> int:
        return len(self._locks)


class _Held:
    __slots__ = ("entry", "key", "owner")

    def __init__(self, owner: ChatLocks, key: str) -> None:
        self.owner, self.key = owner, key
        self.entry: tuple[asyncio.Lock, list[int]] | None = None

    async def __aenter__(self) -> None:
        entry = self.owner._locks.get(self.key)
        if entry is None:
            entry = self.owner._locks[self.key] = (asyncio.Lock(), [0])
        entry[1][0] += 1
        self.entry = entry
        try:
            await entry[0].acquire()
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self.entry is not None
        self.entry[0].release()
        self._leave()

    def _leave(self) -> None:
        assert self.entry is not None
        self.entry[1][0] -= 1
        if self.entry[1][0] == 0 and self.owner._locks.get(self.key) is self.entry:
            del self.owner._locks[self.key]


@dataclass
class BotService:
    dialog: Dialog
    store: StateStore
    secret: bytes
    ttl: int = 86400
    stats: StatsSink | None = None
    throttle: Throttle | None = None
    clock: Callable[[], dt.datetime] | None = None
    forget_attempts: int = 3  # /forget with the store failing: tries, 0.25 s then 0.5 s apart
    forget_backoff: float = 0.25
    failed_writes: int = 0  # state-store writes that failed since start (a metric)
    last_write_failure: float | None = None  # time.monotonic() of the last one
    locks: ChatLocks = field(default_factory=ChatLocks)
    wall: Callable[[], float] = time.time  # wall-clock seconds, for erase deadlines
    _told: dict[Notice, set[str]] = field(default_factory=dict)  # chats told, per notice
    _inflight: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    def now(self) -> dt.datetime:
        return self.clock() if self.clock is not None else dt.datetime.now(dt.UTC)

    # -- health and shutdown ----------------------------------------------------------------

    def track(self) -> _Tracked:
        """Count an update as in flight until the ``async with`` ends (:meth:`drain`)."""
        return _Tracked(self)

    async def drain(self, timeout: float = 20.0) -> bool:
        """Wait until no update is in flight (at most ``timeout`` s); True if none is left.
        Shutdown calls this before closing the Bot API session."""
        if self._inflight == 0:
            return True
        try:
            async with asyncio.timeout(timeout):
                while self._inflight:
                    self._idle.clear()
                    await self._idle.wait()
        except TimeoutError:
            log.warning("%d update(s) still in flight at shutdown", self._inflight)
            return False
        return True

    # -- store access, never raising ------------------------------------------------------

    def _write_failed(self, exc: StoreError) -> None:
        self.failed_writes += 1
        self.last_write_failure = time.monotonic()
        log.warning("state store write failed (%s)", exc)

    def _tell_once(self, notice: Notice, key: str) -> bool:
        told = self._told.setdefault(notice, set())
        if key in told or len(told) >= TOLD_LIMIT:
            return False
        told.add(key)
        return True

    def _recovered(self, notice: Notice) -> None:
        if self._told.get(notice):
            self._told[notice].clear()

    async def _open(self, key: str, done: str | None, flood: tuple[int, float] | None = None
                    ) -> tuple[Opened, bool, bool]:
        """``(opened, read failed, may write)``."""
        try:
            return await self.store.open_update(key, done, flood), False, True
        except StoreFullError as exc:  # reads still work: answer from the state, write nothing
            self._write_failed(exc)
            try:
                return Opened(await self.store.get(key)), False, False
            except StoreError:
                return Opened(None), True, False
        except StoreError as exc:
            log.warning("state store unavailable on read (%s): answering without state", exc)
            return Opened(None), True, False

    async def _peek(self, key: str) -> State | None:
        try:
            return await self.store.get(key)
        except StoreError:
            return None

    async def _append(self, key: str, ids: list[int]) -> bool:
        ids = [i for i in ids if i]
        if not ids:
            return True
        try:
            await self.store.append_ids(key, ids, self.ttl)
        except StoreError as exc:
            self._write_failed(exc)
            return False
        return True

    async def _close(self, key: str, opened: Opened, writable: bool, state: State | None,
                     ids: list[int], done: str | None) -> bool:
        """End the update: write (if allowed) and give the lock back; False if a write
        failed."""
        ids = [i for i in ids if i]
        if not writable:
            return await self._append(key, ids)
        try:
            owned = await self.store.close_update(key, opened, state, ids, self.ttl, done)
        except StoreError as exc:
            self._write_failed(exc)
            return False
        if not owned:
            log.warning("chat lock expired during an update: its state was not written")
        self._recovered(Notice.NOT_SAVED)
        return True

    async def _forget(self, key: str) -> list[int] | None:
        """Erase the chat's state and ids, retrying briefly; the ids, or None on failure."""
        for attempt in range(self.forget_attempts):
            try:
                return await self.store.forget(key)
            except StoreError as exc:
                self._write_failed(exc)
                if attempt + 1 < self.forget_attempts:
                    await asyncio.sleep(self.forget_backoff * 2 ** attempt)
        return None

    # -- one update -------------------------------------------------------------------------

    async def handle(self, bot: BotApi, chat_id: int, event: Event,
                     incoming_id: int | None = None, update_id: int | None = None,
                     pressed: tuple[int, str] | None = None) -> list[int]:
        """Process one event of one private chat; returns the ids of messages sent.

        ``update_id``: Telegram's id of the update, so that a replayed update is handled
        once. ``pressed``: for a button press, the id of the message it belongs to and the
        button's data (the message may be edited in place; a double tap does one thing)."""
        key = chat_key(chat_id, self.secret)
        incoming = [incoming_id] if incoming_id else []
        flood = ((self.throttle.limit, self.throttle.window)
                 if self.throttle is not None and isinstance(event, Text) else None)
        done = done_key(key, update_id, self.secret) if update_id is not None else None
        async with self.locks.hold(key):
            opened, lost, writable = await self._open(key, done, flood)
            if opened.duplicate:
                log.info("an update was delivered again: already handled, ignored")
                await self._close(key, opened, writable, None, [], None)
                return []
            verdict = opened.flood
            if flood is not None and self.throttle is not None and (lost or not writable):
                verdict = self.throttle.check(key)  # the store cannot count: this process does
            if verdict is not Flood.OK:
                return await self._flooded(bot, chat_id, key, opened, writable, verdict,
                                           incoming, done)
            sent: list[int] = []
            closed = False
            try:
                write, record = await self._step(bot, chat_id, key, event, incoming_id,
                                                 opened.state, lost, writable, sent, pressed)
                closed = True
                if write is not None:
                    await self._schedule_erase(key, chat_id, opened.state, write)
                if not await self._close(key, opened, writable, write, record, done) \
                        and not lost and self._tell_once(Notice.NOT_SAVED, key):
                    notice = self.dialog.notice(opened.state, Notice.NOT_SAVED, self.now())
                    await self._send(bot, chat_id, notice.replies, [])
            finally:
                if not closed:  # an error: record what was exchanged, write no state
                    await self._close(key, opened, writable, None, [*incoming, *sent], done)
        return sent

    async def _flooded(self, bot: BotApi, chat_id: int, key: str, opened: Opened,
                       writable: bool, verdict: Flood, incoming: list[int], done: str | None
                       ) -> list[int]:
        """Over the flood limit: "slow down" once (WARN), then nothing (DROP); the messages
        are still recorded for /forget, and the state is left as it was."""
        sent: list[int] = []
        if verdict is Flood.WARN:
            turn = self.dialog.notice(opened.state, Notice.SLOW_DOWN, self.now())
            if await self._send(bot, chat_id, turn.replies, sent) is None:
                await self._close(key, opened, writable, None, [], done)
                await self._blocked(key)
                return []
        await self._close(key, opened, writable, None, [*incoming, *sent], done)
        return sent

    async def _step(self, bot: BotApi, chat_id: int, key: str, event: Event,
                    incoming_id: int | None, state: State | None, lost: bool, writable: bool,
                    sent: list[int], pressed: tuple[int, str] | None = None
                    ) -> tuple[State | None, list[int]]:
        """The turn itself; ``(state to write or None, message ids to record)``."""
        incoming = [incoming_id] if incoming_id else []
        tap = f"{pressed[0]}:{pressed[1]}" if pressed is not None else ""
        if tap and state is not None and state.last_press == tap:
            log.info("the same button of the same message pressed again: done once already")
            return None, []
        tell: Notice | None = None
        if lost:
            if self._tell_once(Notice.STATE_LOST, key):
                tell = Notice.STATE_LOST  # once per chat while the store is down
        else:
            self._recovered(Notice.STATE_LOST)
            if not writable and self._tell_once(Notice.NOT_SAVED, key):
                tell = Notice.NOT_SAVED
        turn = await self.dialog.handle(state, event, self.now(), notice=tell)
        if any(isinstance(e, Forget) for e in turn.effects):
            return await self._forget_chat(bot, chat_id, key, state, turn, incoming, sent)
        record = list(incoming)
        if incoming_id and any(isinstance(e, DeleteIncoming) for e in turn.effects):
            if await self._delete_all(bot, chat_id, incoming):
                record = []
            else:  # never say it is deleted when it is not
                turn = Turn(self.dialog.notice(state, Notice.NOT_DELETED, self.now()).replies,
                            turn.state, turn.effects)
        edit = None
        first = turn.replies[0] if turn.replies else None
        if (pressed is not None and state is not None and state.live == pressed[0]
                and first is not None and first.venue is None
                and first.protect == state.live_protected):
            edit = pressed[0]  # the message pressed is the living one: change it in place
        live = await self._send(bot, chat_id, turn.replies, sent, edit=edit)
        blocked = live is None
        await self._count([(c.lang, c.node) for c in turn.effects if isinstance(c, Count)])
        if blocked:
            await self._blocked(key)
            return None, []
        write = None
        if writable and not lost:
            write = replace(turn.state, message_ids=(), last_press=tap)
            if live:
                write = replace(write, live=live[0], live_protected=live[1])
        return write, [*record, *sent]

    async def _forget_chat(self, bot: BotApi, chat_id: int, key: str, state: State | None,
                           turn: Turn, incoming: list[int], sent: list[int]
                           ) -> tuple[State | None, list[int]]:
        with contextlib.suppress(StoreError):
            await self.store.cancel_erase(key)
        ids = await self._forget(key)
        await self._delete_all(bot, chat_id, [*(ids or []), *incoming])
        replies = turn.replies
        if ids is None:  # could not erase: say so, and keep this reply's id for the next try
            replies = self.dialog.notice(state, Notice.FORGET_FAILED, self.now()).replies
        await self._send(bot, chat_id, replies, sent)
        await self._count([(c.lang, c.node) for c in turn.effects if isinstance(c, Count)])
        return None, (list(sent) if ids is None else [])

    # -- erasing automatically (the user's choice) -------------------------------------------

    async def _schedule_erase(self, key: str, chat_id: int, before: State | None,
                              after: State) -> None:
        """Move the chat's erase deadline to "now + the minutes the user chose" (each message
        moves it), or cancel it when they stopped it."""
        try:
            if after.erase_after > 0:
                await self.store.schedule_erase(key, mask_chat(chat_id, key, self.secret),
                                                self.wall() + after.erase_after * 60)
            elif before is not None and before.erase_after > 0:
                await self.store.cancel_erase(key)
        except StoreError as exc:
            self._write_failed(exc)

    async def erase_due(self, bot: BotApi) -> int:
        """Erase the conversations idle past the deadline their user chose, on both sides
        (as /forget, without a word); returns how many. The sweeper calls this every few
        seconds; each chat goes to one replica only."""
        try:
            due = await self.store.due_erasures(self.wall())
        except StoreError as exc:
            log.warning("erase deadlines not read (%s)", exc)
            return 0
        erased = 0
        for key, masked in due:
            chat_id = unmask_chat(masked, key, self.secret)
            if chat_id is None or chat_key(chat_id, self.secret) != key:
                continue  # not ours (another bot's secret) or damaged: nothing to delete
            async with self.locks.hold(key):
                ids = await self._forget(key)
                if ids is None:  # the store failed: try again at the next sweep
                    with contextlib.suppress(StoreError):
                        await self.store.schedule_erase(key, masked, self.wall() + 60)
                    continue
                await self._delete_all(bot, chat_id, ids)
                erased += 1
        return erased

    async def sweep(self, bot: BotApi, every: float = 30.0) -> None:
        """Run :meth:`erase_due` until cancelled (shutdown)."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.erase_due(bot)
            except Exception as exc:  # the sweeper must outlive any one failure
                log.warning("automatic erase failed (%s)", type(exc).__name__)

    async def _blocked(self, key: str) -> None:
        log.info("a user blocked the bot: dropping that chat's state")
        await self._forget(key)

    async def _count(self, counts: list[tuple[str, str]]) -> None:
        await record(self.stats, self.now(), counts)

    async def _send(self, bot: BotApi, chat_id: int, replies: tuple[Reply, ...] | list[Reply],
                    sent: list[int], edit: int | None = None
                    ) -> tuple[int, bool] | tuple[()] | None:
        """Send replies in order, adding each id to ``sent`` as soon as it is known (so an
        error midway still records them). ``edit``: the first reply changes that message
        instead (its id is recorded already); a message that can no longer be edited gets a
        new one. Returns the last message's ``(id, protected)`` (``()`` if none), or None if
        the user has blocked the bot."""
        last: tuple[int, bool] | tuple[()] = ()
        for reply in replies:
            markup = KEYBOARDS.markup(reply)
            try:
                if edit is not None and await self._edit(bot, chat_id, edit, reply, markup):
                    last, edit = (edit, reply.protect), None
                    continue
                edit = None
                message_id = await bot.send_message(chat_id, reply.text, markup, reply.protect)
                sent.append(message_id)
                last = (message_id, reply.protect)
                if reply.venue is not None:
                    sent.append(await bot.send_venue(chat_id, reply.venue.lat, reply.venue.lon,
                                                     reply.venue.title, reply.venue.address))
                    last = ()  # a venue cannot be edited into a text
            except ForbiddenError:
                return None
        return last

    @staticmethod
    async def _edit(bot: BotApi, chat_id: int, message_id: int, reply: Reply,
                    markup: str | None) -> bool:
        """Change a message in place; False if Telegram will not (too old, deleted...)."""
        try:
            await bot.edit_text(chat_id, message_id, reply.text, markup)
        except BadRequestError as exc:
            if "not modified" in str(exc):  # the same screen again: nothing to change
                return True
            log.info("message not edited (%s): sending a new one", type(exc).__name__)
            return False
        return True

    async def _delete_all(self, bot: BotApi, chat_id: int, ids: list[int]) -> bool:
        """Delete messages where Telegram allows it (private chats, under 48 h); never
        raises. True if Telegram confirmed every deletion."""
        unique = sorted(set(ids))
        ok = True
        for i in range(0, len(unique), DELETE_CHUNK):
            try:
                ok = bool(await bot.delete_messages(chat_id, unique[i:i + DELETE_CHUNK])) and ok
            except TelegramError as exc:
                log.info("some messages could not be deleted (%s)", type(exc).__name__)
                ok = False
            await asyncio.sleep(0)
        return ok

    async def remember(self, chat_id: int, ids: list[int]) -> None:
        """Record message ids that need no answer (for /forget); never raises."""
        await self._append(chat_key(chat_id, self.secret), ids)

    async def error_reply(self, bot: BotApi, chat_id: int) -> None:
        """Last resort after an unexpected error: the emergency numbers, never silence."""
        key = chat_key(chat_id, self.secret)
        turn = self.dialog.notice(await self._peek(key), Notice.ERROR, self.now())
        sent: list[int] = []
        try:
            blocked = await self._send(bot, chat_id, turn.replies, sent) is None
        except TelegramError as exc:
            log.warning("error reply not sent (%s)", type(exc).__name__)
            blocked = False
        if blocked:
            await self._blocked(key)
        else:
            await self._append(key, sent)


class _Tracked:
    __slots__ = ("service",)

    def __init__(self, service: BotService) -> None:
        self.service = service

    async def __aenter__(self) -> None:
        self.service._inflight += 1

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.service._inflight -= 1
        if self.service._inflight == 0:
            self.service._idle.set()
