"""What a button does, as small typed values, and the one codec to Telegram's callback data.

Callback data must fit in 64 bytes, so each choice is written as a one-letter kind and its
fields separated by ``:`` (``g:1a2b:37:2``). The letters are the wire format only: code
matches on the classes. The format is the one older bots wrote, so buttons still visible in
users' chats keep working; anything that does not decode (forged, truncated, from a content
version that no longer exists) becomes ``None`` and the engine answers with the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DATA_BYTES = 64  # Telegram's limit for callback data


@dataclass(frozen=True)
class GoTo:
    """A content button: button ``button`` of node ``node`` (an index) in content ``version``."""

    version: str
    node: int
    button: int


@dataclass(frozen=True)
class Open:
    """Open a node directly (a "did you mean" choice): node index in content ``version``."""

    version: str
    node: int


@dataclass(frozen=True)
class Back:
    """Go back one step."""


@dataclass(frozen=True)
class Home:
    """Go to the user's menu."""


@dataclass(frozen=True)
class HelpNow:
    """Go to the emergency screen."""


@dataclass(frozen=True)
class QuickExit:
    """Erase everything now, on both sides, and leave one neutral line."""


@dataclass(frozen=True)
class SetLanguage:
    code: str


@dataclass(frozen=True)
class PickPlace:
    """One of the places offered for an ambiguous postcode or location (index in the slot)."""

    version: str
    index: int


Choice = GoTo | Open | Back | Home | HelpNow | QuickExit | SetLanguage | PickPlace

_NAV: dict[str, Choice] = {"h": HelpNow(), "m": Home(), "k": Back(), "q": QuickExit()}
_NAV_CODE = {HelpNow: "h", Home: "m", Back: "k", QuickExit: "q"}


def encode(choice: Choice) -> str:
    """The callback data of a choice."""
    match choice:
        case GoTo(version, node, button):
            return f"g:{version}:{node}:{button}"
        case Open(version, node):
            return f"o:{version}:{node}"
        case SetLanguage(code):
            return f"l:{code}"
        case PickPlace(version, index):
            return f"p:{version}:{index}"
        case _:
            return f"x:{_NAV_CODE[type(choice)]}"


def _index(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 6 else None


def decode(data: str | None) -> Choice | None:
    """The choice written in callback data; None for anything malformed."""
    if not data or len(data.encode()) > MAX_DATA_BYTES:
        return None
    kind, *args = data.split(":")
    if not all(args):
        return None
    match kind, args:
        case "g", [version, node, button]:
            n, b = _index(node), _index(button)
            return GoTo(version, n, b) if n is not None and b is not None else None
        case "o", [version, node]:
            n = _index(node)
            return Open(version, n) if n is not None else None
        case "x", [code]:
            return _NAV.get(code)
        case "l", [code]:
            return SetLanguage(code)
        case "p", [version, index]:
            i = _index(index)
            return PickPlace(version, i) if i is not None else None
    return None
