"""The step function: ``(engine, state, event, now) -> Turn(replies, state, effects)``.

Pure: no network, no storage, no clock (``now`` is given). Custom actions are not run here:
a turn that needs one returns ``pending``; the driver runs it and calls :func:`resume`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .crisis import ANSWERED_ELSEWHERE, CrisisDetector
from .i18n import LANGS, Translator, normalize_lang
from .model import Bundle, CrisisLists, Node
from .offers import crisis_language, language_buttons, script_offer, switch_offer
from .render import Renderer
from .state import (
    BACK_LIMIT,
    ActionCall,
    Button,
    Choice,
    Command,
    Count,
    DeleteIncoming,
    Effect,
    Event,
    Forget,
    Location,
    Press,
    Reply,
    Start,
    State,
    Text,
    Turn,
    Venue,
)
from .text import MAX_INPUT, words
from .understand import SMALLTALK, Understanding, is_no

START = "start:start"
EMERGENCY = "emergency:start"
ASK_DANGER = "emergency:ask"  # "are you in danger now?" when only the classifier says so
#: Nodes the runtime itself enters; checks make sure they exist.
SYSTEM_NODES = (
    "system:help", "system:privacy", "system:language", "system:language_offer",
    "system:not_understood", "system:did_you_mean", "system:stale", "system:unknown_command",
    "system:media_deleted", "system:unsupported", "system:forgotten", "system:slow_down",
    "system:error", "system:state_lost", "system:saj_found", "system:saj_choose",
    "system:saj_choose_place", "system:saj_dg", "system:saj_flanders", "system:saj_outside",
    "system:saj_not_found",
)
UI_KEYS = (
    "help_now", "home", "back", "hours_always", "hours_unknown", "hours_unconfirmed",
    "open_until", "closed_opens", "today", "tomorrow", "unknown_value", "free", "anonymous",
    "fallback_marker", "not_reviewed", "status_line", "your_place",
    "cmd_start", "cmd_menu", "cmd_help", "cmd_language", "cmd_sos", "cmd_saj", "cmd_privacy",
    "cmd_forget",
)
MEDIA_KINDS = frozenset({"photo", "video", "voice", "document", "video_note", "audio"})


@dataclass
class Engine:
    """A loaded bundle with what is compiled from it (matchers, renderer)."""

    bundle: Bundle
    translator: Translator
    detector: CrisisDetector
    understanding: Understanding
    renderer: Renderer
    #: Replies of nodes rendered without per-user parameters during ``renders_minute``, by
    #: (node, language, whether there is a Back button): opening hours and open-now status
    #: change by the minute, not within one. Content only, never anything a user typed;
    #: emptied at each new minute; a reload builds a new engine.
    renders: dict[tuple[str, str, bool], Reply] = field(
        default_factory=dict, repr=False, compare=False)
    renders_minute: int = field(default=-1, repr=False, compare=False)
    _languages: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, bundle: Bundle, translator: Translator | None = None) -> Engine:
        from .classify import default_cache

        translator = translator or Translator()
        known = translator.vocabulary()
        titles = {f.id: tuple(t for lang in translator.available()
                              if (t := translator.lookup(lang, f.title)) and lang != "fr")
                  for f in bundle.flows.values()}
        return cls(bundle, translator, CrisisDetector.build(bundle.crisis, known),
                   Understanding.build(bundle, known, titles=titles, cache=default_cache()),
                   Renderer(bundle, translator))

    @classmethod
    def for_rendering(cls, bundle: Bundle, translator: Translator) -> Engine:
        """An engine that only renders (the checks): no matchers compiled."""
        return cls(bundle, translator, CrisisDetector.build(CrisisLists({}, {})),
                   Understanding.build_from([]), Renderer(bundle, translator))

    def languages(self) -> tuple[str, ...]:
        if self._languages is None:
            self._languages = self.translator.available()
        return self._languages


# -- helpers ----------------------------------------------------------------------------------


def _home(state: State) -> str:
    return f"menu:{state.audience}" if state.audience else START


def _push(state: State, key: str) -> State:
    back = state.back
    if state.at and state.at != key:
        back = (*back, state.at)[-BACK_LIMIT:]
    return replace(state, at=key, back=back, slots={})


def _nav_row(engine: Engine, state: State) -> tuple[Button, ...]:
    r = engine.renderer
    row = []
    if state.back:
        row.append(Button(r.ui(state.lang, "back"), Choice("x", ("k",))))
    row.append(Button(r.ui(state.lang, "home"), Choice("x", ("m",))))
    row.append(Button(r.ui(state.lang, "help_now"), Choice("x", ("h",))))
    return tuple(row)


def _own_buttons(engine: Engine, node: Node, lang: str) -> list[tuple[Button, ...]]:
    b = engine.bundle
    rows: list[list[Button]] = []
    row_ids: dict[int, int] = {}
    idx = str(b.node_index[node.key])
    for i, button in enumerate(node.buttons):
        label, _ = engine.translator.text(lang, button.text)
        if button.goto is not None:
            out = Button(label, Choice("g", (b.version, idx, str(i))))
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
    memo = (node.key, state.lang, bool(state.back))
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
    text, fell_back = r.text(node.say, lang, now, params)
    cards = [*lead_cards, *(
        r.card(engine.bundle.directory.contacts[c], lang, now)
        for c in node.contacts if c in engine.bundle.directory.contacts
    )]
    if cards:
        text = text + "\n\n" + "\n\n".join(cards)
    rows = [*(extra_buttons or []), *_own_buttons(engine, node, lang), _nav_row(engine, state)]
    return Reply(node=node.key, text=text, buttons=tuple(rows), protect=node.sensitive,
                 venue=venue, fallback=fell_back)


def _turn(engine: Engine, state: State, key: str, now: dt.datetime, *, push: bool = True,
          effects: tuple[Effect, ...] = (), before: tuple[Reply, ...] = (),
          **render: Any) -> Turn:
    """Go to ``key`` and render it; start its action when it has one."""
    node = engine.bundle.node(key) or engine.bundle.node(_home(state)) or engine.bundle.node(START)
    assert node is not None  # checks guarantee start:start exists
    new_state = _push(state, node.key) if push else replace(state, at=node.key)
    if node.ask:
        new_state = replace(new_state, slots={"ask": node.key})
    extra: list[tuple[Button, ...]] = render.pop("extra_buttons", None) or []
    if node.key == "system:language":
        extra = language_buttons(engine, new_state)
    reply = render_node(engine, new_state, node, now, extra_buttons=extra, **render)
    pending = None
    if node.action and not node.ask:
        pending = ActionCall(node.action, {"lang": state.lang}, node.key)
    return Turn((*before, reply), new_state,
                (*effects, Count(node.key, state.lang)), pending)


def show(engine: Engine, state: State, key: str, now: dt.datetime) -> Turn:
    """Show one node without moving the user's position (system messages)."""
    return _turn(engine, state, key, now, push=False)


def _first_lang(engine: Engine, state: State, hint: str | None) -> State:
    if state.lang_chosen or not hint:
        return state
    lang = normalize_lang(hint)
    if lang and lang in engine.languages() and lang != state.lang:
        return replace(state, lang=lang)
    return state


def _on_text(engine: Engine, state: State, text: str, now: dt.datetime) -> Turn:
    text = text[:MAX_INPUT]
    tokens = words(text)  # normalized once, for the crisis lists and the triggers
    found = engine.detector.scan(text, tokens)
    if found is not None:
        key = ANSWERED_ELSEWHERE.get(found.category, f"emergency:{found.category}")
        state, extra = crisis_language(engine, state, found.langs, text, len(tokens))
        return _turn(engine, state, key if engine.bundle.node(key) else EMERGENCY, now,
                     extra_buttons=extra)
    if state.at == ASK_DANGER and len(tokens) <= 3 and engine.bundle.node(ASK_DANGER):
        # a typed answer to "are you in danger now?": anything but a no is a yes
        return _turn(engine, state, "emergency:not_now" if is_no(tokens) else
                     "emergency:danger", now)
    ask = state.slots.get("ask")
    if ask:
        node = engine.bundle.node(ask)
        if node and node.action:
            return Turn((), replace(state, slots={}), (),
                        ActionCall(node.action, {"lang": state.lang, "query": text}, ask))
    offer = script_offer(engine, state, text)
    if offer:
        return _turn(engine, state, "system:language_offer", now, push=False,
                     extra_buttons=offer)
    decision = engine.understanding.route(text, state.lang, state.audience, tokens)
    if decision.audience:
        state = replace(state, audience=decision.audience)
    if decision.kind == "ask_danger" and engine.bundle.node(ASK_DANGER):
        return _turn(engine, state, ASK_DANGER, now)
    if decision.kind == "open" and decision.target and engine.bundle.node(decision.target):
        extra = switch_offer(engine, state, decision.langs)
        if decision.target.startswith(SMALLTALK + ":"):
            extra += _menu_buttons(engine, state)
            return _turn(engine, state, decision.target, now, push=False, extra_buttons=extra)
        return _turn(engine, state, decision.target, now, extra_buttons=extra)
    choices = [c for c in decision.choices if engine.bundle.node(c)]
    if choices:
        buttons = [(_open_button(engine, state, c, engine.bundle.flows[c.split(":")[0]].title),)
                   for c in choices]
        return _turn(engine, state, "system:did_you_mean", now, push=False,
                     extra_buttons=buttons)
    return _turn(engine, state, "system:not_understood", now, push=False,
                 extra_buttons=_menu_buttons(engine, state))


def _open_button(engine: Engine, state: State, key: str, label: str) -> Button:
    text, _ = engine.translator.text(state.lang, label)
    index = str(engine.bundle.node_index[key])
    return Button(text, Choice("o", (engine.bundle.version, index)))


def _menu_buttons(engine: Engine, state: State) -> list[tuple[Button, ...]]:
    """The buttons of the user's menu, for messages that must offer the menu directly."""
    menu = engine.bundle.node(_home(state))
    return _own_buttons(engine, menu, state.lang) if menu else []


def _stale(engine: Engine, state: State, now: dt.datetime) -> Turn:
    return _turn(engine, state, "system:stale", now, push=False,
                 extra_buttons=_menu_buttons(engine, state))


def _on_press(engine: Engine, state: State, choice: Choice | None, now: dt.datetime) -> Turn:
    b = engine.bundle
    if choice is None:
        return _stale(engine, state, now)
    kind, args = choice.kind, choice.args
    if kind == "x":
        if args[0] == "h":
            return _turn(engine, state, EMERGENCY, now)
        if args[0] == "m":
            return _turn(engine, replace(state, back=()), _home(state), now, push=False)
        if args[0] == "k" and state.back:
            prev = state.back[-1]
            return _turn(engine, replace(state, back=state.back[:-1]), prev, now, push=False)
        return _turn(engine, state, _home(state), now, push=False)
    if kind == "l":
        if args[0] not in engine.languages():
            return _stale(engine, state, now)
        new = replace(state, lang=args[0], lang_chosen=True)
        # keep the position in the flow: show the node the user was on, in the new language
        target = state.at if state.at and state.at != "system:language" and b.node(state.at) \
            else (state.back[-1] if state.back else _home(state))
        return _turn(engine, new, target, now, push=False)
    if args[0] != b.version:
        return _stale(engine, state, now)
    if kind == "o":
        key = _node_key(engine, args[1])
        return _turn(engine, state, key, now) if key else _stale(engine, state, now)
    if kind == "g":
        key = _node_key(engine, args[1])
        node = b.node(key) if key else None
        if node is None or not args[2].isdigit() or int(args[2]) >= len(node.buttons):
            return _stale(engine, state, now)
        button = node.buttons[int(args[2])]
        if button.set_audience:
            state = replace(state, audience=button.set_audience)
        if button.goto is None:
            return _stale(engine, state, now)
        return _turn(engine, state, button.goto, now)
    if kind == "p":
        places = [p for p in state.slots.get("places", "").split(",") if p]
        if not args[1].isdigit() or int(args[1]) >= len(places):
            return _stale(engine, state, now)
        at = state.at or "saj:find"
        return Turn((), replace(state, slots={}), (),
                    ActionCall("find_saj", {"lang": state.lang, "refnis": places[int(args[1])]},
                               at))
    return _stale(engine, state, now)


def _node_key(engine: Engine, index: str) -> str | None:
    if not index.isdigit() or int(index) >= len(engine.bundle.node_keys):
        return None
    return engine.bundle.node_keys[int(index)]


COMMANDS = {
    "menu": None, "help": "system:help", "language": "system:language", "sos": EMERGENCY,
    "privacy": "system:privacy", "aide": "system:help", "langue": "system:language",
}


def _on_command(engine: Engine, state: State, cmd: Command, now: dt.datetime) -> Turn:
    name = cmd.name.lower().split("@")[0]
    if name == "start":
        return _on_start(engine, state, now)
    if name == "forget":
        fresh = State(lang=state.lang, lang_chosen=state.lang_chosen)
        turn = _turn(engine, fresh, "system:forgotten", now, push=False)
        return Turn(turn.replies, State(), (Forget(), *turn.effects))
    if name == "saj":
        query = cmd.args.strip()[:MAX_INPUT]
        if query:
            return Turn((), replace(state, slots={}), (),
                        ActionCall("find_saj", {"lang": state.lang, "query": query}, "saj:find"))
        return _turn(engine, state, "saj:find", now)
    if name in COMMANDS:
        target = COMMANDS[name] or _home(state)
        return _turn(engine, state, target, now, push=name != "menu")
    return _turn(engine, state, "system:unknown_command", now, push=False,
                 extra_buttons=_menu_buttons(engine, state))


def _on_start(engine: Engine, state: State, now: dt.datetime) -> Turn:
    fresh = State(lang=state.lang, lang_chosen=state.lang_chosen, greeted=True,
                  message_ids=state.message_ids)
    return _turn(engine, fresh, START, now, push=False)


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
    if event.kind in MEDIA_KINDS:
        return _turn(engine, state, "system:media_deleted", now, push=False,
                     effects=(DeleteIncoming(),))
    return _turn(engine, state, "system:unsupported", now, push=False)
