"""Inline keyboards: built, validated and (by the session) JSON-encoded once per button set.

The engine renders the same menus again and again, so building a pydantic keyboard and
encoding it for every message would be wasted work. Keyboards come only from content (labels
and packed choices), never from what a user typed.
"""

from __future__ import annotations

from aiogram.types import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from ..engine import Button, Reply, encode

LIMIT = 4096  # distinct button sets kept; menus repeat, so a cleared cache refills quickly


def build(reply: Reply) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a reply (None when it has no button)."""
    rows = []
    for row in reply.buttons:
        cells = []
        for b in row:
            if b.url:
                cells.append(InlineKeyboardButton(text=b.label, url=b.url))
            elif b.copy:
                cells.append(InlineKeyboardButton(text=b.label,
                                                  copy_text=CopyTextButton(text=b.copy)))
            elif b.choice is not None:
                cells.append(InlineKeyboardButton(text=b.label, callback_data=encode(b.choice)))
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


class Keyboards:
    """Markups by button set (``Button`` hashes are computed once, so a lookup is cheap).

    The session keeps each markup it encoded alive beside its encoding, so an id in
    ``_owned`` cannot be reused by another object while the session relies on it.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._by_value: dict[tuple[tuple[Button, ...], ...], InlineKeyboardMarkup | None] = {}
        self._owned: dict[int, InlineKeyboardMarkup] = {}

    def markup(self, reply: Reply) -> InlineKeyboardMarkup | None:
        buttons = reply.buttons
        try:
            return self._by_value[buttons]
        except KeyError:
            pass
        if len(self._by_value) >= self.limit:
            self.clear()
        markup = self._by_value[buttons] = build(reply)
        if markup is not None:
            self._owned[id(markup)] = markup
        return markup

    def own(self, markup: object) -> InlineKeyboardMarkup | None:
        """``markup`` if it is one of ours (never changed after it was built), else None."""
        mine = self._owned.get(id(markup))
        return mine if mine is markup else None

    def clear(self) -> None:
        self._by_value.clear()
        self._owned.clear()


KEYBOARDS = Keyboards()
