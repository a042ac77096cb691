"""The step function: ``(engine, state, event, now) -> Turn(replies, state, effects)``.

Deterministic and free of I/O: no network, no storage, no clock (``now`` is given). Custom
actions are not run here: a turn that needs one returns ``pending``; the driver runs it and
calls :func:`bot.engine.results.resume`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .choices import Back, Choice, GoTo, HelpNow, Home, Open, PickPlace, QuickExit, SetLanguage
from .compiled import Engine
from .crisis import ANSWERED_ELSEWHERE
from .i18n import LANGS, SOURCE_LANG, language_name, normalize_lang
from .model import ASK_DANGER, EMERGENCY, START
from .offers import crisis_language, script_offer, switch_offer
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
from .understand import SMALLTALK, is_no

MEDIA_KINDS = frozenset({"photo", "video", "document"})
SOUND_KINDS = frozenset({"voice", "video_note", "audio"})  # deleted too: a voice is personal
STICKERS = frozenset({"sticker", "animation"})


def _first_lang(engine: Engine, state: State, hint: str | None) -> State:
    if state.lang_chosen or not hint:
        return state
    lang = normalize_lang(hint)
    if lang and lang in engine.languages() and lang != state.lang:
        return replace(state, lang=lang)
    return state


def _on_text(engine: Engine, state: State, text: str, now: dt.datetime) -> Turn:
    tokens = words(text)  # normalized once, for the crisis lists and the triggers
    found = engine.detector.scan(text, tokens)
    if found is not None:
        key = ANSWERED_ELSEWHERE.get(found.category, f"emergency:{found.category}")
        state, extra = crisis_language(engine, state, found.langs, text, len(tokens))
        return enter(engine, state, key if engine.bundle.node(key) else EMERGENCY, now,
                     extra_buttons=extra)
    if state.at == ASK_DANGER and len(tokens) <= 3 and engine.bundle.node(ASK_DANGER):
        # a typed answer to "are you in danger now?": anything but a no is a yes
        return enter(engine, state, "emergency:not_now" if is_no(tokens) else
                     "emergency:danger", now)
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
    decision = engine.understanding.route(text, state.lang, state.audience, tokens)
    if decision.audience:
        state = replace(state, audience=decision.audience)
    if decision.kind == "ask_danger" and engine.bundle.node(ASK_DANGER):
        return enter(engine, state, ASK_DANGER, now)
    if decision.kind == "open" and decision.target and engine.bundle.node(decision.target):
        extra = switch_offer(engine, state, decision.langs, text, len(tokens))
        if decision.target.startswith(SMALLTALK + ":"):
            extra += menu_buttons(engine, state)
            return enter(engine, state, decision.target, now, push=False, extra_buttons=extra)
        return enter(engine, state, decision.target, now, extra_buttons=extra)
    choices = [c for c in decision.choices if engine.bundle.node(c)]
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
        case QuickExit():
            return _erase(engine, state, "system:exited", now)
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
            if button.set_erase_after is not None:
                state = replace(state, erase_after=button.set_erase_after)
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
        return _on_start(engine, state, cmd.args, now)
    if name == "forget":
        return _erase(engine, state, "system:forgotten", now)
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


def _erase(engine: Engine, state: State, key: str, now: dt.datetime) -> Turn:
    """Erase the conversation (state and, through the adapter, every message) and say so
    with node ``key``, in the user's language; what remains is a fresh state."""
    fresh = State(lang=state.lang, lang_chosen=state.lang_chosen)
    turn = enter(engine, fresh, key, now, push=False)
    return Turn(turn.replies, State(), (Forget(), *turn.effects))


def _on_start(engine: Engine, state: State, payload: str, now: dt.datetime) -> Turn:
    """``/start``, or a deep link ``/start <name>`` (flows/links.yaml): the welcome, or the
    screen the link names, with Back leading to the welcome. Unknown names: the welcome."""
    fresh = State(lang=state.lang, lang_chosen=state.lang_chosen, greeted=True,
                  message_ids=state.message_ids, erase_after=state.erase_after,
                  review_told=state.review_told)
    b = engine.bundle
    name, _, arg = payload.partition("_")
    if payload in b.links:
        target = b.links[payload]
        flow = b.flows[target.partition(":")[0]]
        audience = flow.audience if flow.audience in ("young", "pro") else None
        if target in ("menu:young", "menu:pro"):
            audience = target.partition(":")[2]
        return enter(engine, replace(fresh, audience=audience, at=START), target, now)
    if name == "lang" and arg in engine.languages():
        return enter(engine, replace(fresh, lang=arg, lang_chosen=True), START, now, push=False)
    if name == "saj" and arg.isdigit() and len(arg) == 4:
        return Turn((), replace(fresh, at=START), (),
                    ActionCall("find_saj", {"lang": fresh.lang, "query": arg}, "saj:find"))
    return enter(engine, fresh, START, now, push=False)


def step(engine: Engine, state: State | None, event: Event, now: dt.datetime) -> Turn:
    """Advance one conversation by one event. Never raises for any event or state."""
    return _review_notice(engine, _step(engine, state, event, now), now)


def _review_notice(engine: Engine, turn: Turn, now: dt.datetime) -> Turn:
    """The first time a conversation is in a language no native speaker has reviewed, say
    so once, in that language, with a way to switch to French or English: before the answer
    (whose buttons stay the last ones), except in an emergency, where nothing comes first
    (the note then waits for the next turn)."""
    lang = turn.state.lang
    if (lang == SOURCE_LANG or engine.translator.reviewed.get(lang, False)
            or turn.state.review_told == lang or not turn.replies
            or any(r.node.startswith("emergency:") for r in turn.replies)
            or any(isinstance(e, Forget) for e in turn.effects)):
        return turn
    state = replace(turn.state, review_told=lang)
    switch = [c for c in (SOURCE_LANG, "en") if c in engine.languages() and c != lang]
    note = enter(engine, state, "system:unreviewed", now, push=False,
                 extra_buttons=[tuple(Button(language_name(c), SetLanguage(c)) for c in switch)])
    return replace(turn, replies=(*note.replies, *turn.replies), state=state)


def _step(engine: Engine, state: State | None, event: Event, now: dt.datetime) -> Turn:
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
        return _on_start(engine, state, event.payload, now)
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
        return _aside(engine, state, "system:contact_deleted", now, (DeleteIncoming(),))
    if event.album and state.slots.get("album") == event.album:
        # the next photo of an album already explained: deleted, without a second reply
        return Turn((), state, (DeleteIncoming(),))
    if event.kind in MEDIA_KINDS:
        turn = _aside(engine, state, "system:media_deleted", now, (DeleteIncoming(),))
        if event.album:
            turn = replace(turn, state=replace(turn.state, slots={"album": event.album}))
        return turn
    if event.kind in SOUND_KINDS:
        return _aside(engine, state, "system:voice_deleted", now, (DeleteIncoming(),))
    if event.kind in STICKERS:  # the screen they were on, whole, buttons included
        at = state.at if state.at and not state.at.startswith("system:") else None
        return enter(engine, state, at or home(state), now, push=False)
    return _aside(engine, state, "system:unsupported", now, ())


def _aside(engine: Engine, state: State, key: str, now: dt.datetime,
           effects: tuple[DeleteIncoming, ...]) -> Turn:
    """A message about what was sent (a photo, a voice note), not a step: the user stays
    on the screen they were on (a sticker, or a language change, shows that screen)."""
    turn = enter(engine, state, key, now, push=False, effects=effects)
    return replace(turn, state=replace(turn.state, at=state.at))
