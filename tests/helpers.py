"""Small helpers to drive a dialog in tests."""

from __future__ import annotations

import datetime as dt

from bot.dialog import Dialog
from bot.engine.state import Button, Event, Press, Reply, State, Turn


def flat(reply: Reply) -> list[Button]:
    return [b for row in reply.buttons for b in row]


def labels(reply: Reply) -> list[str]:
    return [b.label for b in flat(reply)]


def button(reply: Reply, label: str) -> Button:
    for b in flat(reply):
        if b.label == label or b.label.endswith(label):
            return b
    raise AssertionError(f"no button {label!r} in {labels(reply)}")


class Chat:
    """A scripted conversation: keeps state and the last reply between events."""

    def __init__(self, dialog: Dialog, now: dt.datetime, state: State | None = None) -> None:
        self.dialog = dialog
        self.now = now
        self.state = state
        self.turn: Turn | None = None

    async def send(self, event: Event) -> Turn:
        self.turn = await self.dialog.handle(self.state, event, self.now)
        self.state = self.turn.state
        return self.turn

    @property
    def last(self) -> Reply:
        assert self.turn is not None and self.turn.replies
        return self.turn.replies[-1]

    async def press(self, label: str) -> Turn:
        choice = button(self.last, label).choice
        assert choice is not None, f"{label} is a link"
        return await self.send(Press(choice))

    @property
    def nodes(self) -> list[str]:
        assert self.turn is not None
        return [r.node for r in self.turn.replies]
