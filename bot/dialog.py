"""The driver shared by every adapter: step the engine, run pending actions, finish the turn.

Every reply a user sees comes from here, including the notices an adapter decides on (slow
down, the state store lost our place, an unexpected error): adapters never render a node
themselves. The engine stays free of I/O; the actions run through an :class:`ActionRunner`
(rasa-sdk's executor in production).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from .engine import Engine, Event, State, Translator, Turn, load_or_raise, resume, show, step

log = logging.getLogger(__name__)


def load_engine(flows_dir: Path, locales_dir: Path) -> Engine:
    """Load and compile the content; raises :class:`bot.errors.ContentError` with every
    problem found."""
    translator = Translator.load(locales_dir)  # first: the checks render with its CLDR words
    return Engine.build(load_or_raise(flows_dir), translator)


class ActionRunner(Protocol):
    """Runs a named custom action with structured arguments and returns structured data."""

    async def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]: ...


class Notice(enum.Enum):
    """Messages an adapter asks for, outside the conversation's own steps."""

    SLOW_DOWN = "system:slow_down"  # flood control: too many messages at once
    STATE_LOST = "system:state_lost"  # the state store could not be read: we lost our place
    ERROR = "system:error"  # an unexpected error: the emergency numbers, never silence
    NOT_SAVED = "system:not_saved"  # the state store refuses writes: I cannot remember
    FORGET_FAILED = "system:forget_failed"  # /forget could not erase everything
    NOT_DELETED = "system:not_deleted"  # a photo or contact card could not be deleted


class Dialog:
    """One engine and one action runner; swap ``engine`` to reload content."""

    def __init__(self, engine: Engine, runner: ActionRunner) -> None:
        self.engine = engine
        self.runner = runner

    async def handle(self, state: State | None, event: Event,
                     now: dt.datetime | None = None, *, state_lost: bool = False,
                     notice: Notice | None = None) -> Turn:
        """One event of one conversation. ``notice``: say that first (e.g. the stored state
        could not be read, and the conversation goes on from the menu); ``state_lost`` is
        ``notice=Notice.STATE_LOST``."""
        now = now or dt.datetime.now(dt.UTC)
        engine = self.engine  # one engine for the whole turn, even if a reload happens
        turn = step(engine, state, event, now)
        if turn.pending is not None:
            args = {**turn.pending.args, "now": now.isoformat()}
            try:
                result = await self.runner(turn.pending.name, args)
            except Exception as exc:  # an action bug must not leave a young person alone
                # the exception type only: a message or traceback could carry what was typed
                log.error("action %s failed: %s", turn.pending.name, type(exc).__name__)
                result = {"kind": "error"}
            turn = resume(engine, turn, result, now)
        if state_lost and notice is None:
            notice = Notice.STATE_LOST
        if notice is not None:
            first = show(engine, turn.state, notice.value, now)
            turn = replace(turn, replies=(*first.replies, *turn.replies))
        return turn

    def notice(self, state: State | None, notice: Notice,
               now: dt.datetime | None = None) -> Turn:
        """The reply for a notice, in the user's language; the position is unchanged (an
        error notice offers no Back: the step that failed may be the one to go back to)."""
        state = state or State()
        if notice is Notice.ERROR:
            state = replace(state, back=())
        return show(self.engine, state, notice.value, now or dt.datetime.now(dt.UTC))
