"""Liveness and readiness, as an operator's health checks ask them.

- ``/healthz`` (liveness): the process answers. Restart it if this fails.
- ``/readyz`` (readiness): the content is loaded, the state store can be read and written
  (when there is one), and the Bot API answered in the last minute (webhook and polling
  alike). Take the replica out of rotation while this fails; each failing check is named.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

BOT_API_FRESH = 60.0  # seconds: the Bot API must have answered this recently
STORE_CHECK_EVERY = 5.0  # seconds between two store round trips for readiness


@dataclass
class Health:
    """Facts the adapters report as they go; ``ready()`` turns them into a verdict."""

    clock: Callable[[], float] = time.monotonic
    content_version: str | None = None
    #: a round trip proving the store can be written and read (None: memory store)
    store_check: Callable[[], Awaitable[None]] | None = None
    last_bot_api_ok: float | None = None
    last_write_failure: float | None = None
    #: where the last failed write is known already (BotService.last_write_failure, read on
    #: each probe, on the same monotonic clock); None: only :meth:`write_failed` counts
    write_failure_at: Callable[[], float | None] | None = None
    _store_ok: tuple[float, bool, str] = field(default=(-1e18, False, ""))

    def bot_api_answered(self) -> None:
        self.last_bot_api_ok = self.clock()

    def write_failed(self) -> None:
        self.last_write_failure = self.clock()

    async def _store(self) -> tuple[bool, str]:
        if self.store_check is None:
            return True, ""
        checked, ok, why = self._store_ok
        now = self.clock()
        if now - checked < STORE_CHECK_EVERY:
            return ok, why
        try:
            await self.store_check()
            ok, why = True, ""
        except Exception as exc:  # any failure is a "not ready", named by its type
            ok, why = False, f"state store: {type(exc).__name__}"
        self._store_ok = (now, ok, why)
        return ok, why

    async def ready(self) -> tuple[bool, list[str]]:
        """(ready, the reasons it is not)."""
        problems: list[str] = []
        if self.content_version is None:
            problems.append("content not loaded")
        ok, why = await self._store()
        if not ok:
            problems.append(why)
        now = self.clock()
        failed = self.write_failure_at() if self.write_failure_at is not None else None
        failed = max(f for f in (failed, self.last_write_failure, -1e18) if f is not None)
        if now - failed < BOT_API_FRESH:
            problems.append("state store refused a write in the last minute (full?)")
        if self.last_bot_api_ok is None or now - self.last_bot_api_ok > BOT_API_FRESH:
            problems.append("Bot API not reached in the last minute")
        return not problems, problems
