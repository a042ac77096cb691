"""Conversation state and the events and replies that pass through the engine.

State is small and JSON-serialisable (short keys) so that one Redis key per chat holds it.
It holds no message text, no user id, no postal code: only where the user is in the content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from .choices import Choice

BACK_LIMIT = 8
MESSAGE_IDS_LIMIT = 200
MAX_INPUT = 4096  # characters of typed text kept: Telegram's own limit for a message
MAX_PAYLOAD = 64  # characters of a /start payload or command name


@dataclass(frozen=True)
class State:
    """Where one chat is: language, audience, node, a short back-stack, transient slots."""

    lang: str = "fr"
    lang_chosen: bool = False
    audience: str | None = None
    at: str | None = None  # "flow:node"
    back: tuple[str, ...] = ()
    slots: dict[str, str] = field(default_factory=dict)
    greeted: bool = False
    message_ids: tuple[int, ...] = ()  # for /forget; kept by the Telegram adapter only
    erase_after: int = 0  # minutes: erase the conversation that long after the last message
    review_told: str = ""  # the unreviewed language the user was told about (once)
    # kept by the Telegram adapter: the message a button press may edit in place (its id and
    # whether it was sent protected), and the last press handled ("<message id>:<data>"),
    # so a double tap does one thing
    live: int = 0
    live_protected: bool = False
    last_press: str = ""

    def to_json(self) -> str:
        data: dict[str, Any] = {"l": self.lang}
        if self.lang_chosen:
            data["lc"] = 1
        if self.audience:
            data["a"] = self.audience
        if self.at:
            data["n"] = self.at
        if self.back:
            data["b"] = list(self.back)
        if self.slots:
            data["s"] = self.slots
        if self.greeted:
            data["g"] = 1
        if self.message_ids:
            data["m"] = _runs(self.message_ids)
        if self.erase_after:
            data["e"] = self.erase_after
        if self.review_told:
            data["r"] = self.review_told
        if self.live:
            data["v"] = [self.live, int(self.live_protected)]
        if self.last_press:
            data["p"] = self.last_press
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> State:
        """Parse stored state; anything unreadable gives a fresh state (never an error)."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                return cls()
            slots = data.get("s") or {}
            return cls(
                lang=str(data.get("l", "fr")),
                lang_chosen=bool(data.get("lc")),
                audience=data.get("a") if data.get("a") in ("young", "pro") else None,
                at=str(data["n"]) if data.get("n") else None,
                back=tuple(str(x) for x in data.get("b", ()))[-BACK_LIMIT:],
                slots={str(k): str(v) for k, v in slots.items()} if isinstance(slots, dict)
                else {},
                greeted=bool(data.get("g")),
                message_ids=_ids(data.get("m", ())),
                erase_after=max(0, min(int(data.get("e", 0)), 1440)),
                review_told=str(data.get("r", ""))[:8],
                live=int((data.get("v") or [0, 0])[0]),
                live_protected=bool((data.get("v") or [0, 0])[1]),
                last_press=str(data.get("p", ""))[:80],
            )
        except (ValueError, TypeError, KeyError):
            return cls()

    def with_message_ids(self, ids: list[int]) -> State:
        merged = (*self.message_ids, *ids)[-MESSAGE_IDS_LIMIT:]
        return replace(self, message_ids=merged)


def _runs(ids: tuple[int, ...]) -> list[int | list[int]]:
    """Message ids as runs: a private chat numbers its messages one after the other, so a
    conversation is mostly ``[first, last]`` pairs; a lone id stays a plain number."""
    out: list[int | list[int]] = []
    start = prev = ids[0]
    for i in (*ids[1:], None):
        if i is not None and i == prev + 1:
            prev = i
            continue
        out.append([start, prev] if prev > start else start)
        if i is not None:
            start = prev = i
    return out


def _ids(raw: Any) -> tuple[int, ...]:
    """The ids of stored runs (or of a plain list of ids), the most recent ones only."""
    out: list[int] = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, list) and len(item) == 2:
            first, last = int(item[0]), int(item[1])
            out.extend(range(max(first, last - MESSAGE_IDS_LIMIT + 1), last + 1))
        else:
            out.append(int(item))
    return tuple(out[-MESSAGE_IDS_LIMIT:])


# -- events ---------------------------------------------------------------------------------


# Events are bounded and normalised where they are made, once, whichever adapter makes them.


@dataclass(frozen=True)
class Start:
    """``/start``, with a deep-link payload (Telegram allows 64 characters)."""

    payload: str = ""
    lang_hint: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload", self.payload.strip()[:MAX_PAYLOAD])


@dataclass(frozen=True)
class Command:
    """A command other than ``/start``: ``name`` lower-case, without ``@botname``."""

    name: str
    args: str = ""
    lang_hint: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.split("@")[0].lower()[:MAX_PAYLOAD])
        object.__setattr__(self, "args", self.args.strip()[:MAX_INPUT])


def command(text: str, lang_hint: str | None = None) -> Start | Command:
    """The event for a typed ``/command args`` line."""
    name, _, args = text.removeprefix("/").partition(" ")
    cmd = Command(name, args, lang_hint)
    return Start(cmd.args, lang_hint) if cmd.name == "start" else cmd


@dataclass(frozen=True)
class Press:
    """A button press; ``choice`` is None when the callback data could not be read."""

    choice: Choice | None
    lang_hint: str | None = None


@dataclass(frozen=True)
class Text:
    """Typed text, cut at :data:`MAX_INPUT` characters (Telegram's own limit)."""

    text: str
    lang_hint: str | None = None

    def __post_init__(self) -> None:
        if len(self.text) > MAX_INPUT:
            object.__setattr__(self, "text", self.text[:MAX_INPUT])


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Media:
    kind: str  # photo | video | voice | document | sticker | animation | video_note | audio
    #            | contact (a shared contact card)
    album: str | None = None  # Telegram's media_group_id: the photos of one album


Event = Start | Command | Press | Text | Location | Media


# -- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    """A button under a reply: a choice, a link, or text to copy (a phone number)."""

    label: str
    choice: Choice | None = None
    url: str | None = None
    copy: str | None = None
    # computed once: adapters look keyboards up by their buttons on every message
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.label, self.choice, self.url, self.copy)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True)
class Venue:
    lat: float
    lon: float
    title: str
    address: str


@dataclass(frozen=True)
class Reply:
    """One message to send: text, button rows, whether it may be forwarded."""

    node: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    protect: bool = False
    venue: Venue | None = None
    fallback: bool = False  # some text fell back to French


@dataclass(frozen=True)
class DeleteIncoming:
    """Delete the user's incoming message (media must not stay in the chat)."""


@dataclass(frozen=True)
class Forget:
    """Erase this chat's state now and delete the conversation where Telegram allows."""


@dataclass(frozen=True)
class Count:
    """Anonymous statistics: a node was shown in a language (no id, no text)."""

    node: str
    lang: str


@dataclass(frozen=True)
class ActionCall:
    """A custom action the driver must run before the turn can finish."""

    name: str
    args: dict[str, Any]
    node: str


Effect = DeleteIncoming | Forget | Count


@dataclass(frozen=True)
class Turn:
    replies: tuple[Reply, ...]
    state: State
    effects: tuple[Effect, ...] = ()
    pending: ActionCall | None = None
