"""The default store: state in this process's memory, with a TTL and a size bound.

The same semantics as the Redis store, for one process: the service's per-chat lock orders
the updates of a chat, so no lock is needed here.

Everything of one chat is one compact record (:class:`_Chat`): its state (the JSON text),
its message ids and the last updates handled (8-byte integers and 8-byte digests, each kind
packed in one ``bytes``), its flood-control window (two numbers) and one deadline (handled
updates are remembered at least ten minutes, and each one also renews the state). Records
are kept in a plain ``dict`` in order of their last write (a write moves its record to the
end); every ``sweep_every`` writes, the expired ones at the front are let go, and the oldest
whenever the table holds more than ``max_chats``. A chat costs about 600 bytes
(tests/test_memory_store.py, benchmarks/heap.py; it was 1,450 with a table per kind of
record).
"""

from __future__ import annotations

import hashlib
import time
from array import array
from collections.abc import Callable

from ..engine import State
from ..limits import Flood, verdict
from .base import DONE_TTL, IDS_LIMIT, KEY_PREFIX, Opened

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


def compact(key: str) -> bytes:
    """A chat key as the table holds it: its 12-byte digest (``fwb:s:`` and 24 hex digits,
    as :func:`bot.store.chat_key` and :func:`bot.store.session_key` make them), 34 bytes less
    than the text; any other key as its UTF-8 bytes."""
    if len(key) == 30 and key.startswith(KEY_PREFIX):
        try:
            return bytes.fromhex(key[6:])
        except ValueError:
            pass
    return key.encode()


def _digest(done: str) -> bytes:
    return hashlib.blake2b(done.encode(), digest_size=_DIGEST).digest()


class MemoryStateStore:
    """In-process store with TTL and size bounds (oldest chats let go first)."""

    def __init__(self, max_chats: int = 200_000,
                 clock: Callable[[], float] = time.monotonic, sweep_every: int = 1024) -> None:
        self._chats: dict[bytes, _Chat] = {}  # compact(key) -> record, oldest write first
        self._erase: dict[str, tuple[float, str]] = {}  # key -> (wall-clock deadline, masked)
        self._max = max_chats
        self._clock = clock
        self._sweep_every = sweep_every
        self._writes = 0

    # -- records --------------------------------------------------------------------------

    def _live(self, key: str) -> _Chat | None:
        chat = self._chats.get(compact(key))
        if chat is not None and chat.expires <= self._clock():
            chat.state, chat.ids, chat.done = None, b"", b""
        return chat

    def _write(self, key: str) -> _Chat:
        """The chat's record to write to, created if needed (and emptied of what expired),
        moved to the end (the newest write)."""
        chats = self._chats
        short = compact(key)
        chat = chats.pop(short, None)
        if chat is None:
            chat = _Chat()
        elif chat.expires <= self._clock():
            chat.state, chat.ids, chat.done = None, b"", b""
        chats[short] = chat
        self._writes += 1
        if self._writes >= self._sweep_every or len(chats) > self._max:
            self._sweep(chat)
        return chat

    def _sweep(self, keep: _Chat) -> None:
        """Let go of the expired records at the front (the oldest writes), and of the oldest
        ones while the table holds more than ``max_chats``; never ``keep``."""
        self._writes = 0
        now = self._clock()
        over = len(self._chats) - self._max
        gone = []
        for key, chat in self._chats.items():
            if chat is keep or (over <= 0 and chat.alive(now)):
                break
            gone.append(key)
            over -= 1
        for key in gone:
            del self._chats[key]

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
        chat = self._write(key)
        now = self._clock()
        if chat.flood_start <= now - window:
            chat.flood_start, chat.flood_count = now, 0
        chat.flood_count += 1
        return verdict(chat.flood_count, limit)

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        if state is None and not ids and done is None:
            return True
        chat = self._write(key)  # once for the state, the ids and the mark
        now = self._clock()
        if state is not None:
            chat.state = state.to_json()
        if state is not None or ids:
            chat.ids = _appended(chat.ids, ids)
            chat.expires = now + ttl
        if done is not None:
            chat.done = (chat.done + _digest(done))[-DONE_KEEP * _DIGEST:]
            chat.expires = max(chat.expires, now + DONE_TTL)
        return True

    # -- message ids ----------------------------------------------------------------------

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        if not ids:
            return
        chat = self._write(key)
        chat.ids = _appended(chat.ids, ids)
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
            del self._chats[compact(key)]
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
        chat = self._write(key)
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


def _appended(ids: bytes, more: list[int]) -> bytes:
    """Packed message ids with ``more`` at the end, the oldest let go past IDS_LIMIT."""
    return (ids + array("q", more).tobytes())[-IDS_LIMIT * 8:] if more else ids


def _handled(done: bytes, digest: bytes) -> bool:
    return any(done[i:i + _DIGEST] == digest for i in range(0, len(done), _DIGEST))
