"""Callback data as aiogram ``CallbackData`` classes, mapped to the engine's choices.

Data stays far under Telegram's 64 bytes: a 4-character content-version tag and node/button
indices (``g:1a2b:37:2``). Anything that does not unpack (forged, from an older bot, truncated)
becomes ``None`` and the engine answers with the menu.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from ..engine.state import Choice


class GoCb(CallbackData, prefix="g"):
    """A content button: content version, node index, button index."""

    v: str
    n: int
    b: int


class OpenCb(CallbackData, prefix="o"):
    """Open a node directly (did-you-mean choices)."""

    v: str
    n: int


class NavCb(CallbackData, prefix="x"):
    """Help now (h), home (m), back (k)."""

    a: str


class LangCb(CallbackData, prefix="l"):
    c: str


class PlaceCb(CallbackData, prefix="p"):
    """One of the communes offered for an ambiguous postal code."""

    v: str
    i: int


_CLASSES: dict[str, type[CallbackData]] = {
    "g": GoCb, "o": OpenCb, "x": NavCb, "l": LangCb, "p": PlaceCb,
}


def pack(choice: Choice) -> str:
    """Engine choice -> callback data string (through the aiogram class of its kind)."""
    a = choice.args
    if choice.kind == "g":
        return GoCb(v=a[0], n=int(a[1]), b=int(a[2])).pack()
    if choice.kind == "o":
        return OpenCb(v=a[0], n=int(a[1])).pack()
    if choice.kind == "x":
        return NavCb(a=a[0]).pack()
    if choice.kind == "l":
        return LangCb(c=a[0]).pack()
    return PlaceCb(v=a[0], i=int(a[1])).pack()


def unpack(data: str | None) -> Choice | None:
    """Callback data -> engine choice; None when it is not ours or is malformed."""
    if not data or len(data.encode()) > 64:
        return None
    cls = _CLASSES.get(data.split(":", 1)[0])
    if cls is None:
        return None
    try:
        parsed = cls.unpack(data)
    except (ValueError, TypeError):
        return None
    values = parsed.model_dump()
    return Choice.decode(":".join([data.split(":", 1)[0], *(str(v) for v in values.values())]))
