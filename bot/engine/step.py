"""The step function: ``(engine, state, event, now) -> Turn(replies, state, effects)``.

Deterministic and free of I/O: no network, no storage, no clock (``now`` is given). Custom
actions are not run here: a turn that needs one returns ``pending``; the driver runs it and
calls :func:`bot.engine.results.resume`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .choices import Back, Choice, GoTo, HelpNow, Home, Open, PickPlace, SetLanguage
from .compiled import Engine
from .i18n import LANGS, normalize_lang
from .model import EMERGENCY, START
from .offers import script_offer, switch_offer
from .screens import enter, home, menu_buttons, open_button
from .state import (
    ActionCall,
    Button,
    Command,
    DeleteIncoming,
    Event,
    Forget,
    Location,
    Press,
    Start,
    State,
    Text,
    Turn,
)
from .text import words
from .understand import decide

MEDIA_KINDS = frozenset({"photo", "video", "voice", "document", "video_note", "audio"})


def _first_lang(engine: Engine, state: State, hint: str | None) -> State:
    if state.lang_chosen or not hint:
        return state
    lang = normalize_lang(hint)
    if lang and lang in engine.languages() and lang != state.lang:
        return replace(state, lang=lang)
    return state


def _on_text(engine: Engine, state: State, text: str, now: dt.datetime) -> Turn:
    tokens = words(text)  # normalized once, for the crisis lists and the triggers
    category = engine.detector.detect(text, tokens)
    if category is not None:
        key = f"emergency:{category}"
        return enter(engine, state, key if engine.bundle.node(key) else EMERGENCY, now)
    ask = state.slots.get("ask")
    if ask:
        node = engine.bundle.node(ask)
        if node and node.action:
            return Turn((), replace(state, slots={}), (),
                        ActionCall(node.action, {"lang": state.lang, "query": text}, ask))
    offer = script_offer(engine, state, text)
    if offer:
        return enter(engine, state, "system:language_offer", now, push=False,
                     extra_buttons=offer)
    matches = engine.understanding.match(text, state.lang, state.audience, tokens)
    target, choices = decide(matches)
    if target is not None:
        return enter(engine, state, target, now,
                     extra_buttons=switch_offer(engine, state, matches[0].langs))
    if choices:
        titles = engine.bundle.flows
        buttons: list[tuple[Button, ...]] = [
            (open_button(engine, state, c, titles[c.split(":")[0]].title),) for c in choices]
        return enter(engine, state, "system:did_you_mean", now, push=False,
                     extra_buttons=buttons)
    return enter(engine, state, "system:not_understood", now, push=False,
                 extra_buttons=menu_buttons(engine, state))


def _stale(engine: Engine, state: State, now: dt.datetime) -> Turn:
    return enter(engine, state, "system:stale", now, push=False,
                 extra_buttons=menu_buttons(engine, state))


def _on_press(engine: Engine, state: State, choice: Choice | None, now: dt.datetime) -> Turn:
    b = engine.bundle
    match choice:
        case HelpNow():
            return enter(engine, state, EMERGENCY, now)
        case Home():
            return enter(engine, replace(state, back=()), home(state), now, push=False)
        case Back() if state.back:
            prev = state.back[-1]
            return enter(engine, replace(state, back=state.back[:-1]), prev, now, push=False)
        case Back():
            return enter(engine, state, home(state), now, push=False)
        case SetLanguage(code) if code in engine.languages():
            new = replace(state, lang=code, lang_chosen=True)
            # keep the position in the flow: show the node the user was on, in the new language
            target = state.at if state.at and state.at != "system:language" and b.node(state.at) \
                else (state.back[-1] if state.back else home(state))
            return enter(engine, new, target, now, push=False)
        case Open(version, index) if version == b.version and index < len(b.node_keys):
            return enter(engine, state, b.node_keys[index], now)
        case GoTo(version, index, i) if version == b.version and index < len(b.node_keys):
            node = b.node(b.node_keys[index])
            if node is None or i >= len(node.buttons):
                return _stale(engine, state, now)
            button = node.buttons[i]
            if button.set_audience:
                state = replace(state, audience=button.set_audience)
            if button.goto is None:
                return _stale(engine, state, now)
            return enter(engine, state, button.goto, now)
        case PickPlace(version, i) if version == b.version:
            places = [p for p in state.slots.get("places", "").split(",") if p]
            if i >= len(places):
                return _stale(engine, state, now)
            return Turn((), replace(state, slots={}), (), ActionCall(
                "find_saj", {"lang": state.lang, "refnis": places[i]}, state.at or "saj:find"))
    # unreadable, from an older content version, or a language no longer offered
    return _stale(engine, state, now)


COMMANDS = {
    "menu": None, "help": "system:help", "language": "system:language", "sos": EMERGENCY,
    "privacy": "system:privacy", "aide": "system:help", "langue": "system:language",
}


def _on_command(engine: Engine, state: State, cmd: Command, now: dt.datetime) -> Turn:
    name = cmd.name
    if name == "start":
        return _on_start(engine, state, now)
    if name == "forget":
        fresh = State(lang=state.lang, lang_chosen=state.lang_chosen)
        turn = enter(engine, fresh, "system:forgotten", now, push=False)
        return Turn(turn.replies, State(), (Forget(), *turn.effects))
    if name == "saj":
        query = cmd.args
        if query:
            return Turn((), replace(state, slots={}), (),
                        ActionCall("find_saj", {"lang": state.lang, "query": query}, "saj:find"))
        return enter(engine, state, "saj:find", now)
    if name in COMMANDS:
        target = COMMANDS[name] or home(state)
        return enter(engine, state, target, now, push=name != "menu")
    return enter(engine, state, "system:unknown_command", now, push=False,
                 extra_buttons=menu_buttons(engine, state))


def _on_start(engine: Engine, state: State, now: dt.datetime) -> Turn:
    fresh = State(lang=state.lang, lang_chosen=state.lang_chosen, greeted=True,
                  message_ids=state.message_ids)
    return enter(engine, fresh, START, now, push=False)


def step(engine: Engine, state: State | None, event: Event, now: dt.datetime) -> Turn:
    """Advance one conversation by one event. Never raises for any event or state."""
    state = state or State()
    if state.lang not in LANGS or state.lang not in engine.languages():
        state = replace(state, lang="fr", lang_chosen=False)
    if state.at and engine.bundle.node(state.at) is None:
        state = replace(state, at=None, back=())  # content changed under this chat
    if not all(engine.bundle.node(k) for k in state.back):
        state = replace(state, back=tuple(k for k in state.back if engine.bundle.node(k)))
    hint = getattr(event, "lang_hint", None)
    state = _first_lang(engine, state, hint)
    if isinstance(event, Start):
        return _on_start(engine, state, now)
    if isinstance(event, Command):
        return _on_command(engine, state, event, now)
    if isinstance(event, Press):
        return _on_press(engine, state, event.choice, now)
    if isinstance(event, Text):
        return _on_text(engine, state, event.text, now)
    if isinstance(event, Location):
        return Turn((), replace(state, slots={}), (), ActionCall(
            "find_saj", {"lang": state.lang, "lat": event.lat, "lon": event.lon},
            state.at or "saj:find"))
    if event.kind == "contact":  # a phone number and a name: deleted at once, never stored
        return enter(engine, state, "system:contact_deleted", now, push=False,
                     effects=(DeleteIncoming(),))
    if event.kind in MEDIA_KINDS:
        return enter(engine, state, "system:media_deleted", now, push=False,
                     effects=(DeleteIncoming(),))
    return enter(engine, state, "system:unsupported", now, push=False)
