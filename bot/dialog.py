"""The driver shared by every adapter: step the engine, run pending actions, finish the turn.

Adapters (Telegram, console, tests) call :meth:`Dialog.handle`; the engine stays pure and
the actions run through an :class:`ActionRunner` (the rasa-sdk executor in production).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from .engine.results import resume
from .engine.runtime import Engine, step
from .engine.state import Event, State, Turn

log = logging.getLogger(__name__)


class ActionRunner(Protocol):
    """Runs a named custom action with structured arguments and returns structured data."""

    async def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]: ...


class Dialog:
    """One engine and one action runner; swap ``engine`` to reload content."""

    def __init__(self, engine: Engine, runner: ActionRunner) -> None:
        self.engine = engine
        self.runner = runner

    async def handle(self, state: State | None, event: Event,
                     now: dt.datetime | None = None) -> Turn:
        now = now or dt.datetime.now(dt.UTC)
        engine = self.engine  # one engine for the whole turn, even if a reload happens
        turn = step(engine, state, event, now)
        if turn.pending is None:
            return turn
        args = {**turn.pending.args, "now": now.isoformat()}
        try:
            result = await self.runner(turn.pending.name, args)
        except Exception as exc:  # an action bug must not leave a young person without an answer
            # the exception type only: a message or traceback could carry what the user typed
            log.error("action %s failed: %s", turn.pending.name, type(exc).__name__)
            result = {"kind": "error"}
        return resume(engine, turn, result, now)
