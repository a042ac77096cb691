"""Inline keyboards, encoded to JSON once per button set.

The engine renders the same menus again and again, so building and encoding a keyboard for
every message would be wasted work: each distinct set of buttons is encoded once and the JSON
is spliced into the request (:func:`bot.telegram.api.encode`). Keyboards come only from
content (labels and packed choices), never from what a user typed.
"""

from __future__ import annotations

import json
from typing import Any

from ..engine import Button, Reply, encode

LIMIT = 4096  # distinct button sets kept; menus repeat, so a cleared cache refills quickly


def build(reply: Reply) -> dict[str, Any] | None:
    """The inline keyboard of a reply as the Bot API reads it (None when it has no button)."""
    rows = []
    for row in reply.buttons:
        cells: list[dict[str, Any]] = []
        for b in row:
            if b.url:
                cells.append({"text": b.label, "url": b.url})
            elif b.copy:
                cells.append({"text": b.label, "copy_text": {"text": b.copy}})
            elif b.choice is not None:
                cells.append({"text": b.label, "callback_data": encode(b.choice)})
        if cells:
            rows.append(cells)
    return {"inline_keyboard": rows} if rows else None


class Keyboards:
    """Encoded markups by button set (``Button`` hashes are computed once, so a lookup is
    cheap)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._by_value: dict[tuple[tuple[Button, ...], ...], str | None] = {}

    def markup(self, reply: Reply) -> str | None:
        """The reply's keyboard as JSON, or None when it has no button."""
        buttons = reply.buttons
        try:
            return self._by_value[buttons]
        except KeyError:
            pass
        if len(self._by_value) >= self.limit:
            self._by_value.clear()
        markup = build(reply)
        encoded = None if markup is None else json.dumps(markup, ensure_ascii=False,
                                                         separators=(",", ":"))
        self._by_value[buttons] = encoded
        return encoded


KEYBOARDS = Keyboards()
