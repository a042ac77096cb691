"""Render the structured result of a custom action (find_saj, helpline_status).

Actions return data, never sentences: the words come from the ``system`` flow and the
directory, in the user's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal, TypedDict

from . import hours as hours_mod
from .choices import PickPlace
from .compiled import Engine
from .render import directional
from .screens import enter
from .state import Button, Reply, Turn, Venue


class PlaceOption(TypedDict):
    """A commune offered when a postcode or location is ambiguous."""

    refnis: str
    label: str
    target: str | None


class SajResult(TypedDict, total=False):
    """What ``find_saj`` returns. ``kind``: found (``target`` is a contact id, or dg /
    flanders / outside), choose (``options``), not_found, outside, invalid (nothing to look
    up), or error."""

    kind: Literal["found", "choose", "not_found", "outside", "invalid", "error"]
    target: str
    communes: list[str]
    refnis: str | None
    query_kind: str
    options: list[PlaceOption]


class HelplineStatus(TypedDict, total=False):
    """One helpline's open-now status (times in ISO 8601, Europe/Brussels)."""

    contact: str
    known: bool
    always: bool
    open: bool
    closes: str | None
    opens: str | None
    confirmed: bool


class HelplineResult(TypedDict):
    """What ``helpline_status`` returns."""

    statuses: list[HelplineStatus]


#: An action's result as the engine reads it: JSON from rasa-sdk (in process or over HTTP),
#: so every field is read defensively; the TypedDicts above say what the actions write.
ActionResult = Mapping[str, Any]

MAX_CHATS = 4  # chat links of open lines, one per row, above the node's own buttons
MAX_OPTIONS = 12  # every commune of the largest split canton (Waremme: 11)
SAJ_OUTCOMES = {
    "dg": "system:saj_dg",
    "flanders": "system:saj_flanders",
    "outside": "system:saj_outside",
}


def _when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value).astimezone(hours_mod.TZ)
    except ValueError:
        return None


def _find_saj(engine: Engine, turn: Turn, result: ActionResult, now: dt.datetime) -> Turn:
    state = turn.state
    kind = result.get("kind")
    target = str(result.get("target", ""))
    names = [str(n) for n in result.get("communes", []) if n][:3]
    commune = ", ".join(names) if names else engine.renderer.ui(state.lang, "your_place")
    if kind == "found" and target in SAJ_OUTCOMES:
        return enter(engine, state, SAJ_OUTCOMES[target], now, params={"commune": commune})
    if kind == "outside":
        return enter(engine, state, "system:saj_outside", now)
    contacts = engine.bundle.directory.contacts
    if kind == "found" and target in contacts:
        contact = contacts[target]
        r = engine.renderer
        venue = None
        if contact.location and contact.address:
            venue = Venue(contact.location[0], contact.location[1],
                          r.t(state.lang, contact.name)[0], contact.address)
        return enter(engine, state, "system:saj_found", now,
                     params={"commune": commune, "saj": r.t(state.lang, contact.name)[0]},
                     lead_cards=(r.card(contact, state.lang, now),), venue=venue)
    options = [o for o in result.get("options", []) if isinstance(o, dict)][:MAX_OPTIONS]
    if kind == "choose" and options:
        cells = [Button(str(o.get("label", "?"))[:60], PickPlace(engine.bundle.version, i))
                 for i, o in enumerate(options)]
        per_row = 1 if len(cells) <= 6 else 2  # a split canton can hold a dozen communes
        buttons = [tuple(cells[i:i + per_row]) for i in range(0, len(cells), per_row)]
        node = ("system:saj_choose_place" if result.get("query_kind") == "location"
                else "system:saj_choose")
        new = enter(engine, state, node, now, push=False, extra_buttons=buttons)
        places = ",".join(str(o.get("refnis", "")) for o in options)
        return replace(new, state=replace(new.state, slots={"places": places}))
    if kind == "error":
        return enter(engine, state, "system:error", now, push=False)
    # not found or unreadable: say so and keep asking for a place
    new = enter(engine, state, "system:saj_not_found", now, push=False)
    return replace(new, state=replace(new.state, slots={"ask": "saj:find"}))


def _helpline_status(engine: Engine, turn: Turn, result: ActionResult, now: dt.datetime
                     ) -> Turn:
    lang = turn.state.lang
    r = engine.renderer
    lines = []
    chats: list[tuple[Button, ...]] = []
    for item in result.get("statuses", []):
        contact = engine.bundle.directory.contacts.get(str(item.get("contact")))
        if contact is None:
            continue
        if not item.get("known"):
            status = r.ui(lang, "hours_unknown")
        else:
            st = hours_mod.OpenStatus(always=bool(item.get("always")), open=bool(item.get("open")),
                                      closes=_when(item.get("closes")),
                                      opens=_when(item.get("opens")))
            status = r.status_text(st, lang, now)
            if not item.get("confirmed", True):
                status += " " + r.ui(lang, "hours_unconfirmed")
        name = r.field(contact, "name", lang, now)
        lines.append(r.ui(lang, "status_line", name=name, status=status))
        if contact.chat and item.get("known") and (item.get("open") or item.get("always")):
            label = directional(r.ui(lang, "chat_with", name=name), lang)
            chats.append((Button(label, url=contact.chat),))
    if not lines or not turn.replies:
        return turn
    last = turn.replies[-1]
    merged = Reply(last.node, last.text + "\n\n" + directional("\n".join(lines), lang),
                   (*chats[:MAX_CHATS], *last.buttons), last.protect, last.venue, last.fallback)
    return replace(turn, replies=(*turn.replies[:-1], merged), pending=None)


def resume(engine: Engine, turn: Turn, result: ActionResult, now: dt.datetime) -> Turn:
    """Finish a turn whose action has run; ``result`` is the action's structured output."""
    call = turn.pending
    if call is None:
        return turn
    done = replace(turn, pending=None)
    if call.name == "find_saj":
        out = _find_saj(engine, done, result, now)
        return replace(out, replies=(*turn.replies, *out.replies),
                       effects=(*turn.effects, *out.effects), pending=None)
    if call.name == "helpline_status":
        return _helpline_status(engine, done, result, now)
    return done
