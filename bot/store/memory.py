"""The default store: state in this process's memory, with a TTL and a size bound.

The same semantics as the Redis store, for one process: the service's per-chat lock orders
the updates of a chat, so no lock is needed here.

Everything of one chat is one compact record (:class:`_Chat`): its state (the JSON text),
its message ids and the last updates handled (8-byte integers and 8-byte digests, each kind
packed in one ``bytes``), its flood-control window (two numbers) and one deadline (handled
updates are remembered at least ten minutes, and each one also renews the state). Records
are kept in order of their last write; expired ones are let go from the front at each
write, so the table holds the chats of the last ``ttl`` seconds (and never more than
``max_chats``), and a chat costs about 630 bytes (tests/test_memory_store.py; it was 1,450
with a table per kind of record).
"""

from __future__ import annotations

import hashlib
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable

from ..engine import State
from ..limits import Flood
from .base import DONE_TTL, IDS_LIMIT, Opened, verdict

DONE_KEEP = 16  # updates remembered as handled per chat (Telegram redelivers the last ones)
_DIGEST = 8


class _Chat:
    __slots__ = ("done", "expires", "flood_count", "flood_start", "ids", "state")

    def __init__(self) -> None:
        self.expires = 0.0  # the state, the ids and the handled updates expire together
        self.state: str | None = None
        self.ids = b""  # message ids, 8 bytes each (native order), oldest first
        self.done = b""  # digests of the last updates handled, oldest first
        self.flood_start = 0.0
        self.flood_count = 0

    def alive(self, now: float) -> bool:
        return self.expires > now


def _digest(done: str) -> bytes:
    return hashlib.blake2b(done.encode(), digest_size=_DIGEST).digest()


class MemoryStateStore:
    """In-process store with TTL and size bounds (oldest chats let go first)."""

    def __init__(self, max_chats: int = 200_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._chats: OrderedDict[str, _Chat] = OrderedDict()
        self._erase: dict[str, tuple[float, str]] = {}  # key -> (wall-clock deadline, masked)
        self._max = max_chats
        self._clock = clock

    # -- records --------------------------------------------------------------------------

    def _live(self, key: str) -> _Chat | None:
        chat = self._chats.get(key)
        if chat is not None and chat.expires <= self._clock():
            chat.state, chat.ids, chat.done = None, b"", b""
        return chat

    def _touch(self, key: str) -> _Chat:
        """The chat's record, created if needed, moved to the back (the newest); records
        expired at the front, and the oldest over ``max_chats``, are let go."""
        now = self._clock()
        chats = self._chats
        chat = chats.get(key)
        if chat is None:
            chat = chats[key] = _Chat()
        else:
            chats.move_to_end(key)
        while chats:
            oldest = next(iter(chats.values()))
            if oldest is chat or (oldest.alive(now) and len(chats) <= self._max):
                break
            chats.popitem(last=False)
        return chat

    # -- one update -----------------------------------------------------------------------

    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        chat = self._live(key)
        duplicate = done is not None and chat is not None and _handled(chat.done, _digest(done))
        state = State.from_json(chat.state) if chat is not None and chat.state else None
        judged = Flood.OK
        if flood is not None and not duplicate:
            judged = self._count(key, *flood)
        return Opened(state, duplicate, flood=judged)

    def _count(self, key: str, limit: int, window: float) -> Flood:
        """One more message in the chat's flood-control window (fixed, from its first)."""
        chat = self._touch(key)
        now = self._clock()
        if chat.flood_start <= now - window:
            chat.flood_start, chat.flood_count = now, 0
        chat.flood_count += 1
        return verdict(chat.flood_count, limit)

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        if state is not None:
            await self.set(key, state, ttl)
        await self.append_ids(key, ids, ttl)
        if done is not None:
            chat = self._touch(key)
            chat.done = (chat.done + _digest(done))[-DONE_KEEP * _DIGEST:]
            chat.expires = max(chat.expires, self._clock() + DONE_TTL)
        return True

    # -- message ids ----------------------------------------------------------------------

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        chat = self._live(key)
        if not ids and (chat is None or not chat.ids):
            return
        chat = self._touch(key)
        chat.ids = (chat.ids + array("q", ids).tobytes())[-IDS_LIMIT * 8:]
        chat.expires = self._clock() + ttl

    async def forget(self, key: str) -> list[int]:
        chat = self._live(key)
        if chat is None:
            return []
        state = State.from_json(chat.state) if chat.state else None
        ids = [*(state.message_ids if state else ()), *array("q", chat.ids)]
        if chat.done:  # the handled updates stay: a redelivered update is still ignored
            chat.state, chat.ids, chat.flood_start, chat.flood_count = None, b"", 0.0, 0
        else:
            del self._chats[key]
        return ids

    # -- erase deadlines ------------------------------------------------------------------

    async def schedule_erase(self, key: str, masked: str, at: float) -> None:
        self._erase[key] = (at, masked)

    async def cancel_erase(self, key: str) -> None:
        self._erase.pop(key, None)

    async def due_erasures(self, now: float, limit: int = 100) -> list[tuple[str, str]]:
        due = sorted((at, key) for key, (at, _) in self._erase.items() if at <= now)[:limit]
        return [(key, self._erase.pop(key)[1]) for _, key in due]

    # -- plain state ----------------------------------------------------------------------

    async def get(self, key: str) -> State | None:
        chat = self._live(key)
        return State.from_json(chat.state) if chat is not None and chat.state else None

    async def set(self, key: str, state: State, ttl: int) -> None:
        chat = self._touch(key)
        chat.state = state.to_json()
        chat.expires = self._clock() + ttl

    async def delete(self, key: str) -> None:
        await self.forget(key)

    async def close(self) -> None:
        self._erase.clear()
        self._chats.clear()

    def __len__(self) -> int:
        now = self._clock()
        return sum(1 for c in self._chats.values() if c.state and c.expires > now)


def _handled(done: bytes, digest: bytes) -> bool:
    return any(done[i:i + _DIGEST] == digest for i in range(0, len(done), _DIGEST))
