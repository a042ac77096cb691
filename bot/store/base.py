"""What every state store offers, and the pseudonymous key of a chat."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable
from typing import Protocol

from ..engine import State

KEY_PREFIX = "fwb:s:"


class StateStore(Protocol):
    """Reads and writes one chat's state; implementations must apply ``ttl``."""

    async def get(self, key: str) -> State | None: ...

    async def set(self, key: str, state: State, ttl: int) -> None: ...

    def get_soon(self, key: str) -> Awaitable[State | None]:
        """``get``, started now where the store can (the read travels meanwhile)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


def chat_key(chat_id: int, secret: bytes) -> str:
    """A stable pseudonymous key for a chat (HMAC-SHA256, not reversible without the secret)."""
    digest = hmac.new(secret, str(chat_id).encode(), hashlib.sha256).hexdigest()[:24]
    return KEY_PREFIX + digest


def session_key(session: str, secret: bytes) -> str:
    """The key of a web conversation: an HMAC of the tab's random session id (a different
    message space from :func:`chat_key`'s numbers, so the two can never meet)."""
    digest = hmac.new(secret, b"web:" + session.encode(), hashlib.sha256).hexdigest()[:24]
    return KEY_PREFIX + digest
