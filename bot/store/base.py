"""What every state store offers, and the pseudonymous keys of a chat.

One chat has, in any store:

- its **state** (``fwb:s:<id>``): one small JSON value, written whole at the end of an update;
- its **message ids** (``fwb:m:<id>``): an append-only list of the ids of every message
  exchanged, so that ``/forget`` can delete them. Appends never overwrite, so no concurrent
  update can lose an id;
- while an update runs, a short **lock** (``fwb:l:<id>``, Redis only: across replicas);
- the **update ids already handled** (``fwb:u:<id>:<hash>``), kept ten minutes, so a
  replayed update is not handled twice;
- for flood control, the **messages of its current window** (``fwb:f:<id>``, a count that
  expires with the window, ten seconds): shared by every replica and worker;
- when the user asked for it, an **erase deadline** (``fwb:erase``, a sorted set of keys by
  time, and ``fwb:e:<id>``, the chat id masked with a pad only the bot's secret gives), so
  any replica can erase the conversation once it has been idle that long.

``<id>`` is an HMAC of the chat id: the store never holds a Telegram id in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from ..engine import State
from ..limits import Flood

KEY_PREFIX = "fwb:s:"
IDS_PREFIX = "fwb:m:"
LOCK_PREFIX = "fwb:l:"
DONE_PREFIX = "fwb:u:"
ERASE_SET = "fwb:erase"
ERASE_PREFIX = "fwb:e:"
FLOOD_PREFIX = "fwb:f:"
#: Message ids kept per chat (the oldest go first): far more than a conversation of a day.
IDS_LIMIT = 1000
#: How long a handled update id is remembered (Telegram redelivers within minutes).
DONE_TTL = 600


@dataclass(frozen=True)
class Opened:
    """The start of an update: the chat's state, and whether this update was handled already.

    ``token`` is the lock the update holds (Redis), to give back to :meth:`StateStore.close_update`.
    ``flood``: flood control's verdict on this message, when it was asked for.
    """

    state: State | None
    duplicate: bool = False
    token: str | None = None
    flood: Flood = Flood.OK


class StateStore(Protocol):
    """One chat's state, message ids, lock and handled updates; implementations apply ``ttl``.

    Every method raises :class:`bot.errors.StoreError` (or a subclass) when the store fails.
    """

    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        """Take the chat's lock (Redis: across replicas, waiting a bounded time), read its
        state and whether update ``done`` was handled already — one round trip. ``flood``
        (``(limit, window s)``): count this message for the chat's flood control (kept in
        the store, so every replica counts the same messages; an update already handled is
        not counted)."""
        ...

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        """Write ``state`` (None: leave it), append ``ids``, mark ``done`` handled and give
        the lock back — one round trip. False if the lock had expired (the state was then
        not written: a later update may have written a newer one; the ids were appended)."""
        ...

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        """Append message ids without touching the state (no lock needed)."""
        ...

    async def forget(self, key: str) -> list[int]:
        """Delete the chat's state and message ids at once; return the ids (the state's own
        ids too, for values written before ids had a list of their own)."""
        ...

    async def schedule_erase(self, key: str, masked: str, at: float) -> None:
        """Erase this chat at wall-clock time ``at`` (seconds) unless rescheduled first;
        ``masked``: its chat id, masked (:func:`mask_chat`)."""
        ...

    async def cancel_erase(self, key: str) -> None: ...

    async def due_erasures(self, now: float, limit: int = 100) -> list[tuple[str, str]]:
        """Claim the chats whose deadline has passed (each is given to one caller only):
        ``(key, masked chat id)`` pairs."""
        ...

    async def get(self, key: str) -> State | None: ...

    async def set(self, key: str, state: State, ttl: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


def flood_key(key: str) -> str:
    return FLOOD_PREFIX + key.removeprefix(KEY_PREFIX)


def chat_key(chat_id: int, secret: bytes) -> str:
    """A stable pseudonymous key for a chat (HMAC-SHA256, not reversible without the secret)."""
    return KEY_PREFIX + hmac.digest(secret, str(chat_id).encode(), "sha256")[:12].hex()


def session_key(session: str, secret: bytes) -> str:
    """The key of a web conversation: an HMAC of the tab's random session id (a different
    message space from :func:`chat_key`'s numbers, so the two can never meet)."""
    digest = hmac.new(secret, b"web:" + session.encode(), hashlib.sha256).hexdigest()[:24]
    return KEY_PREFIX + digest


def ids_key(key: str) -> str:
    return IDS_PREFIX + key.removeprefix(KEY_PREFIX)


def lock_key(key: str) -> str:
    return LOCK_PREFIX + key.removeprefix(KEY_PREFIX)


def done_key(key: str, update_id: int, secret: bytes) -> str:
    """The key that marks one update handled (the update id is hashed too)."""
    digest = hmac.digest(secret, b"u:%d" % update_id, "sha256")[:8].hex()
    return f"{DONE_PREFIX}{key.removeprefix(KEY_PREFIX)}:{digest}"


def erase_key(key: str) -> str:
    return ERASE_PREFIX + key.removeprefix(KEY_PREFIX)


def _pad(key: str, secret: bytes) -> int:
    return int.from_bytes(hmac.new(secret, b"erase:" + key.encode(), hashlib.sha256)
                          .digest()[:8], "big")


def mask_chat(chat_id: int, key: str, secret: bytes) -> str:
    """A chat id as the erase schedule keeps it: useless without the bot's secret."""
    return str((chat_id & 0xFFFFFFFFFFFFFFFF) ^ _pad(key, secret))


def unmask_chat(masked: str, key: str, secret: bytes) -> int | None:
    try:
        value = int(masked) ^ _pad(key, secret)
    except ValueError:
        return None
    return value - (1 << 64) if value >= 1 << 63 else value  # chat ids may be negative
