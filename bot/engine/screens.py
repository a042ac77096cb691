"""Screens: a node rendered as a reply (text, contact cards, buttons, navigation row), and
:func:`enter`, which moves a conversation to a node and renders it.

Everything a user reads is built here from the content and the catalogs: no sentence is
written in code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from .choices import Back, GoTo, HelpNow, Home, Open, QuickExit
from .compiled import Engine
from .i18n import RTL_LANGS
from .model import START, Node
from .offers import language_buttons
from .render import directional
from .state import BACK_LIMIT, ActionCall, Button, Count, Effect, Reply, State, Turn, Venue

MAX_COPY = 6  # copy buttons under one message: a card's phone numbers, two rows at most


def home(state: State) -> str:
    """The key of the user's menu (the start screen until an audience is chosen)."""
    return f"menu:{state.audience}" if state.audience else START


def forward(state: State, key: str) -> State:
    """``state`` moved to node ``key``, the node it was on pushed on the back-stack."""
    back = state.back
    if state.at and state.at != key:
        back = (*back, state.at)[-BACK_LIMIT:]
    return replace(state, at=key, back=back, slots={})


def nav_row(engine: Engine, state: State) -> tuple[Button, ...]:
    r = engine.renderer
    row = []
    if state.back:
        row.append(Button(r.ui(state.lang, "back"), Back()))
    row.append(Button(r.ui(state.lang, "home"), Home()))
    row.append(Button(r.ui(state.lang, "help_now"), HelpNow()))
    return tuple(row)


def exit_row(engine: Engine, state: State) -> tuple[Button, ...]:
    """Quick exit, on every screen a young person may see (not once they chose "pro")."""
    if state.audience == "pro":
        return ()
    return (Button(engine.renderer.ui(state.lang, "quick_exit"), QuickExit()),)


def own_buttons(engine: Engine, node: Node, lang: str) -> list[tuple[Button, ...]]:
    b = engine.bundle
    rows: list[list[Button]] = []
    row_ids: dict[int, int] = {}
    idx = b.node_index[node.key]
    for i, button in enumerate(node.buttons):
        label, _ = engine.translator.text(lang, button.text)
        if button.goto is not None:
            out = Button(label, GoTo(b.version, idx, i))
        elif button.url is not None:
            out = Button(label, url=button.url)
        else:
            contact = b.directory.contacts.get(button.contact or "")
            link = contact.web or contact.chat if contact else None
            if not link:
                continue
            out = Button(label, url=link)
        if button.row is not None and button.row in row_ids:
            rows[row_ids[button.row]].append(out)
        else:
            if button.row is not None:
                row_ids[button.row] = len(rows)
            rows.append([out])
    return [tuple(r) for r in rows]


def render_node(
    engine: Engine,
    state: State,
    node: Node,
    now: dt.datetime,
    *,
    params: Mapping[str, str] | None = None,
    extra_buttons: list[tuple[Button, ...]] | None = None,
    lead_cards: tuple[str, ...] = (),
    venue: Venue | None = None,
) -> Reply:
    """The reply for a node: text, its contact cards, its buttons and the navigation row."""
    if params or extra_buttons or lead_cards or venue:
        return _render(engine, state, node, now, params=params, extra_buttons=extra_buttons,
                       lead_cards=lead_cards, venue=venue)
    minute = int(now.timestamp()) // 60
    if minute != engine.renders_minute:
        engine.renders.clear()
        engine.renders_minute = minute
    memo = (node.key, state.lang, bool(state.back), state.audience == "pro")
    reply = engine.renders.get(memo)
    if reply is None:
        reply = _render(engine, state, node, now, params=None, extra_buttons=None,
                        lead_cards=(), venue=None)
        if not reply.fallback:  # a fallback is rendered (and counted) every time
            engine.renders[memo] = reply
    return reply


def _render(
    engine: Engine,
    state: State,
    node: Node,
    now: dt.datetime,
    *,
    params: Mapping[str, str] | None,
    extra_buttons: list[tuple[Button, ...]] | None,
    lead_cards: tuple[str, ...],
    venue: Venue | None,
) -> Reply:
    lang = state.lang
    r = engine.renderer
    text, fell_back = r.text(node.say, lang, now, params, node.open_now)
    ids = [*node.contacts_by_lang.get(lang, ()), *node.contacts]  # the user's language first
    cards = [*lead_cards, *(
        r.card(engine.bundle.directory.contacts[c], lang, now, short=node.short_cards)
        for c in dict.fromkeys(ids) if c in engine.bundle.directory.contacts
    )]
    if cards:
        text = text + "\n\n" + "\n\n".join(cards)
    phones = list(dict.fromkeys(
        c.phone for cid in ids if (c := engine.bundle.directory.contacts.get(cid)) and c.phone))
    copies = [Button(r.ui(lang, "copy_number", number=p), copy=p) for p in phones[:MAX_COPY]]
    rows = [*(extra_buttons or []), *own_buttons(engine, node, lang),
            *(tuple(copies[i:i + 3]) for i in range(0, len(copies), 3))]
    if node.navigation:
        rows += [nav_row(engine, state), exit_row(engine, state)]
    rows = [r for r in rows if r]
    if lang in RTL_LANGS:  # labels that start with an emoji still read right to left
        rows = [tuple(replace(b, label=directional(b.label, lang)) for b in row) for row in rows]
    return Reply(node=node.key, text=text, buttons=tuple(rows), protect=node.sensitive,
                 venue=venue, fallback=fell_back)


def enter(engine: Engine, state: State, key: str, now: dt.datetime, *, push: bool = True,
          effects: tuple[Effect, ...] = (), before: tuple[Reply, ...] = (),
          extra_buttons: list[tuple[Button, ...]] | None = None,
          params: Mapping[str, str] | None = None, lead_cards: tuple[str, ...] = (),
          venue: Venue | None = None) -> Turn:
    """Go to ``key`` (``push``: remember where the user was, for Back) and render it; start
    its action when it has one. An unknown key goes to the user's menu."""
    node = engine.bundle.node(key) or engine.bundle.node(home(state)) or engine.bundle.node(START)
    assert node is not None  # checks guarantee start:start exists
    new_state = forward(state, node.key) if push else replace(state, at=node.key)
    if node.ask:
        new_state = replace(new_state, slots={"ask": node.key})
    if node.key == "system:language":
        extra_buttons = language_buttons(engine, new_state)
    reply = render_node(engine, new_state, node, now, params=params,
                        extra_buttons=extra_buttons, lead_cards=lead_cards, venue=venue)
    pending = None
    if node.action and not node.ask:
        args: dict[str, object] = {"lang": state.lang}
        if node.status_of:
            args["contacts"] = list(dict.fromkeys(
                [*node.contacts_by_lang.get(state.lang, ()), *node.status_of]))
        pending = ActionCall(node.action, args, node.key)
    return Turn((*before, reply), new_state,
                (*effects, Count(node.key, state.lang)), pending)


def show(engine: Engine, state: State, key: str, now: dt.datetime) -> Turn:
    """Show one node without moving the user's position (system messages)."""
    return enter(engine, state, key, now, push=False)


def open_button(engine: Engine, state: State, key: str, label: str) -> Button:
    """A button that opens node ``key`` directly (did-you-mean choices)."""
    text, _ = engine.translator.text(state.lang, label)
    return Button(text, Open(engine.bundle.version, engine.bundle.node_index[key]))


def menu_buttons(engine: Engine, state: State) -> list[tuple[Button, ...]]:
    """The buttons of the user's menu, for messages that must offer the menu directly."""
    menu = engine.bundle.node(home(state))
    return own_buttons(engine, menu, state.lang) if menu else []


