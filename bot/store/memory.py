"""The default store: state in this process's memory, with a TTL and a size bound.

The same semantics as the Redis store, for one process: the service's per-chat lock orders
the updates of a chat, so no lock is needed here.

Everything of one chat is one ``bytes`` record (:class:`_Chat` packs and reads it): a
26-byte head (one deadline, the flood-control window's start and count, how many message
ids and handled updates follow), the message ids (8-byte integers), the digests of the last
updates handled (8 bytes each), then the state's JSON text. One object per chat instead of
one per field: the C allocator has fewer small blocks to keep, and a chat costs about 360
bytes with its key and its place in the table (tests/test_memory_store.py,
benchmarks/heap.py; it was 550 with a record object holding a field per kind, 1,450 with a
table per kind). Handled updates are remembered at least ten minutes, and each one also
renews the state.

Records are kept in a plain ``dict`` in order of their last write (a write moves its record
to the end); every ``sweep_every`` writes, the expired ones at the front are let go, and the
oldest whenever the table holds more than ``max_chats``.
"""

from __future__ import annotations

import hashlib
import struct
import time
from array import array
from collections.abc import Callable, Iterator

from ..engine import State
from ..limits import Flood, verdict
from .base import DONE_TTL, IDS_LIMIT, KEY_PREFIX, Opened

DONE_KEEP = 16  # updates remembered as handled per chat (Telegram redelivers the last ones)
_DIGEST = 8
_ID = 8
# expires, flood window's start (both monotonic seconds), flood count, ids, handled updates
_HEAD = struct.Struct("<ddIIH")
_COUNT_MAX = 2**32 - 1


class _Chat:
    """One chat's record, read from its packed ``bytes`` to be changed, then packed again."""

    __slots__ = ("done", "expires", "flood_count", "flood_start", "ids", "state")

    def __init__(self, expires: float = 0.0, state: bytes = b"", ids: bytes = b"",
                 done: bytes = b"", flood_start: float = 0.0, flood_count: int = 0) -> None:
        self.expires = expires  # the state, the ids and the handled updates expire together
        self.state = state  # the state's JSON text (UTF-8), b"" for none
        self.ids = ids  # message ids, 8 bytes each (native order), oldest first
        self.done = done  # digests of the last updates handled, oldest first
        self.flood_start = flood_start
        self.flood_count = flood_count

    @classmethod
    def load(cls, blob: bytes) -> _Chat:
        expires, flood_start, flood_count, n_ids, n_done = _HEAD.unpack_from(blob)
        ids_end = _HEAD.size + n_ids * _ID
        done_end = ids_end + n_done * _DIGEST
        return cls(expires, blob[done_end:], blob[_HEAD.size:ids_end], blob[ids_end:done_end],
                   flood_start, flood_count)

    def pack(self) -> bytes:
        return b"".join((_HEAD.pack(self.expires, self.flood_start,
                                    min(self.flood_count, _COUNT_MAX), len(self.ids) // _ID,
                                    len(self.done) // _DIGEST),
                         self.ids, self.done, self.state))

    def empty(self) -> None:
        """What expired goes: the state, the ids, the handled updates (not the flood count,
        which has its own window)."""
        self.state, self.ids, self.done = b"", b"", b""


def _expires(blob: bytes) -> float:
    expires: float = _HEAD.unpack_from(blob)[0]
    return expires


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
        self._chats: dict[bytes, bytes] = {}  # compact(key) -> packed record, oldest write first
        self._erase: dict[str, tuple[float, str]] = {}  # key -> (wall-clock deadline, masked)
        self._max = max_chats
        self._clock = clock
        self._sweep_every = sweep_every
        self._writes = 0

    # -- records --------------------------------------------------------------------------

    def _live(self, key: str) -> _Chat | None:
        """The chat's record as it reads now (what expired already empty), or None."""
        blob = self._chats.get(compact(key))
        if blob is None:
            return None
        chat = _Chat.load(blob)
        if chat.expires <= self._clock():
            chat.empty()
        return chat

    def _save(self, key: str, chat: _Chat) -> None:
        """Write the chat's record, moved to the end (the newest write)."""
        chats = self._chats
        short = compact(key)
        chats.pop(short, None)
        chats[short] = chat.pack()
        self._writes += 1
        if self._writes >= self._sweep_every or len(chats) > self._max:
            self._sweep(short)

    def _sweep(self, keep: bytes) -> None:
        """Let go of the expired records at the front (the oldest writes), and of the oldest
        ones while the table holds more than ``max_chats``; never ``keep``."""
        self._writes = 0
        now = self._clock()
        over = len(self._chats) - self._max
        gone = []
        for key, blob in self._chats.items():
            if key == keep or (over <= 0 and _expires(blob) > now):
                break
            gone.append(key)
            over -= 1
        for key in gone:
            del self._chats[key]

    def records(self) -> Iterator[tuple[bytes, _Chat]]:
        """Every record as stored, read (for tests that check what is kept)."""
        for key, blob in self._chats.items():
            yield key, _Chat.load(blob)

    # -- one update -----------------------------------------------------------------------

    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        chat = self._live(key)
        duplicate = done is not None and chat is not None and _handled(chat.done, _digest(done))
        state = State.from_json(chat.state) if chat is not None and chat.state else None
        judged = Flood.OK
        if flood is not None and not duplicate:
            judged = self._count(key, chat or _Chat(), *flood)
        return Opened(state, duplicate, flood=judged)

    def _count(self, key: str, chat: _Chat, limit: int, window: float) -> Flood:
        """One more message in the chat's flood-control window (fixed, from its first)."""
        now = self._clock()
        if chat.flood_start <= now - window:
            chat.flood_start, chat.flood_count = now, 0
        chat.flood_count += 1
        self._save(key, chat)
        return verdict(chat.flood_count, limit)

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        if state is None and not ids and done is None:
            return True
        text = state.to_json().encode() if state is not None else None
        chat = self._live(key) or _Chat()
        now = self._clock()
        if text is not None:
            chat.state = text
        if text is not None or ids:
            chat.ids = _appended(chat.ids, ids)
            chat.expires = now + ttl
        if done is not None:
            chat.done = (chat.done + _digest(done))[-DONE_KEEP * _DIGEST:]
            chat.expires = max(chat.expires, now + DONE_TTL)
        self._save(key, chat)  # once for the state, the ids and the mark
        return True

    # -- message ids ----------------------------------------------------------------------

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        if not ids:
            return
        chat = self._live(key) or _Chat()
        chat.ids = _appended(chat.ids, ids)
        chat.expires = self._clock() + ttl
        self._save(key, chat)

    async def forget(self, key: str) -> list[int]:
        chat = self._live(key)
        if chat is None:
            return []
        state = State.from_json(chat.state) if chat.state else None
        ids = [*(state.message_ids if state else ()), *array("q", chat.ids)]
        if chat.done:  # the handled updates stay: a redelivered update is still ignored
            chat.state, chat.ids, chat.flood_start, chat.flood_count = b"", b"", 0.0, 0
            self._chats[compact(key)] = chat.pack()  # in place: forgetting is not a write
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
        text = state.to_json().encode()
        chat = self._live(key) or _Chat()
        chat.state = text
        chat.expires = self._clock() + ttl
        self._save(key, chat)

    async def delete(self, key: str) -> None:
        await self.forget(key)

    async def close(self) -> None:
        self._erase.clear()
        self._chats.clear()

    def __len__(self) -> int:
        now = self._clock()
        return sum(1 for _, c in self.records() if c.state and c.expires > now)


def _appended(ids: bytes, more: list[int]) -> bytes:
    """Packed message ids with ``more`` at the end, the oldest let go past IDS_LIMIT."""
    return (ids + array("q", more).tobytes())[-IDS_LIMIT * _ID:] if more else ids


def _handled(done: bytes, digest: bytes) -> bool:
    return any(done[i:i + _DIGEST] == digest for i in range(0, len(done), _DIGEST))
