"""Cross-file checks of a loaded bundle: targets, reachability, actions, contacts, limits.

Each rule has an id (in brackets in the report) and a sentence on how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from .choices import encode
from .compiled import Engine
from .crisis import ANSWERED_ELSEWHERE
from .i18n import Translator
from .model import SYSTEM_NODES, UI_KEYS, Bundle, Node
from .problems import Pos, Report, Severity, suggest
from .readability import measure
from .render import CONTACT_FIELDS, OPEN_NOW, PLACEHOLDER
from .screens import render_node
from .state import State

KNOWN_ACTIONS = ("find_saj", "helpline_status")
MAX_TEXT = 4096  # Telegram's limit for one message, after rendering
MAX_CALLBACK = 64  # Telegram's limit for callback data, in bytes
MAX_BUTTONS = 8
MAX_LABEL = 40  # characters a phone shows on a full-width button
REQUIRED_FLOWS = ("start", "menu", "emergency", "helplines", "system")
ENGINE_PARAMS = ("commune", "saj", "language")
# phone-like digit runs: 3-4 digit short numbers starting with 1 (but not years), or 6+ digits
_DIGITS = re.compile(r"(?<![\w{.])\+?\d[\d .\-/]*\d(?![\w}])|(?<![\w{])\d{3}(?!\w)")


class TextSource(Protocol):
    def lookup(self, lang: str, msgid: str) -> str | None: ...


def phone_like(text: str) -> list[str]:
    """Digit runs in ``text`` that look like a phone number (placeholders excluded)."""
    found = []
    for m in _DIGITS.finditer(re.sub(r"\{[^}]*\}", "", text)):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 6 or (
            3 <= len(digits) <= 4 and digits[0] == "1" and not digits.startswith("19")
        ):
            found.append(m.group(0).strip())
    return found


def _targets(bundle: Bundle, node: Node, report: Report) -> list[str]:
    out = []
    for button in node.buttons:
        if button.goto is None:
            if button.contact is not None:
                contact = bundle.directory.contacts.get(button.contact)
                if contact is None:
                    report.add(button.pos, "unknown-contact",
                               f"the contact '{button.contact}' is not in the directory",
                               suggest(button.contact, bundle.directory.contacts))
                elif not (contact.web or contact.chat):
                    report.add(button.pos, "contact-without-link",
                               f"the contact '{button.contact}' has no web or chat address",
                               "Link to another page with 'url:' or add 'web:' to the contact.")
            continue
        if bundle.node(button.goto) is None:
            flow_id, _, node_id = button.goto.partition(":")
            flow = bundle.flows.get(flow_id)
            if flow is None:
                hint = suggest(flow_id, bundle.flows)
                what = f"the flow '{flow_id}' does not exist"
            else:
                hint = suggest(node_id, flow.nodes)
                what = f"the node '{node_id}' does not exist in the flow '{flow_id}'"
            report.add(button.pos, "unknown-target", f"'goto: {button.goto}' leads nowhere: "
                       + what, hint)
        else:
            out.append(button.goto)
    return out


def _placeholders(bundle: Bundle, node: Node, text: str, report: Report) -> None:
    for m in PLACEHOLDER.finditer(text):
        cid, field = m.group(1), m.group(2)
        if field is None:
            if cid not in ENGINE_PARAMS:
                report.add(node.say_pos, "unknown-placeholder", f"'{{{cid}}}' is not a placeholder",
                           "Write {contact.field}, e.g. {child_focus.phone}.")
            continue
        if cid == OPEN_NOW:
            if not node.open_now:
                report.add(node.say_pos, "open-now-without-list",
                           f"'{{{cid}.{field}}}' in '{node.key}' has no list of lines to choose "
                           "from", "Add 'open_now: [child_focus, tele_accueil]' to the node.")
            if field not in CONTACT_FIELDS:
                report.add(node.say_pos, "unknown-field", f"'{{{cid}.{field}}}': '{field}' is "
                           "not a contact field", suggest(field, CONTACT_FIELDS))
            continue
        if cid not in bundle.directory.contacts:
            report.add(node.say_pos, "unknown-contact", f"'{{{cid}.{field}}}': the contact '{cid}' "
                       "is not in the directory", suggest(cid, bundle.directory.contacts))
        elif field not in CONTACT_FIELDS:
            report.add(node.say_pos, "unknown-field", f"'{{{cid}.{field}}}': '{field}' is not a "
                       "contact field", suggest(field, CONTACT_FIELDS))


def _open_now(bundle: Bundle, node: Node, report: Report) -> None:
    """An ``open_now:`` list needs known contacts and a line open day and night."""
    contacts = bundle.directory.contacts
    for field, ids in (("open_now", node.open_now), ("status_of", node.status_of)):
        for cid in ids:
            if cid not in contacts:
                report.add(node.pos, "unknown-contact", f"the contact '{cid}' of '{field}' is "
                           "not in the directory", suggest(cid, contacts))
    if node.status_of and node.action != "helpline_status":
        report.add(node.pos, "status-without-action", f"'{node.key}' lists 'status_of' "
                   "contacts but does not run the helpline_status action",
                   "Add 'action: helpline_status' to the node, or remove 'status_of'.")
    if node.open_now and not any(
            (c := contacts.get(cid)) is not None and c.hours is not None and c.hours.always
            and c.hours_confirmed for cid in node.open_now):
        report.add(node.pos, "open-now-no-fallback",
                   f"no line of the 'open_now' list of '{node.key}' is open 24/7 with confirmed "
                   "hours, so at night the text could name a closed line",
                   "Add a 24/7 line such as child_focus or tele_accueil to the list.")


def _reachability(bundle: Bundle, edges: dict[str, list[str]], report: Report) -> None:
    roots = {f"{f.id}:{f.start}" for f in bundle.flows.values()}
    roots |= {k for k in bundle.node_keys if k.startswith(("system:", "emergency:"))}
    roots |= set(bundle.links.values())  # a poster's QR code reaches these
    roots |= {n.key for f in bundle.flows.values() for n in f.nodes.values() if n.triggers}
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        todo.extend(edges.get(key, []))
    for flow in bundle.flows.values():
        for node in flow.nodes.values():
            if node.key not in seen:
                report.add(node.pos, "unreachable-node",
                           f"no button leads to the node '{node.id}'",
                           f"Add a button with 'goto: {node.id}' or remove the node.")


def _links(bundle: Bundle, report: Report) -> None:
    """Every deep link opens a node that exists."""
    for name, target in bundle.links.items():
        if bundle.node(target) is None:
            flow_id, _, node_id = target.partition(":")
            flow = bundle.flows.get(flow_id)
            hint = suggest(node_id, flow.nodes) if flow else suggest(flow_id, bundle.flows)
            report.add(bundle.link_pos[name], "unknown-target",
                       f"the link '{name}' opens '{target}', which does not exist", hint)


def check_bundle(bundle: Bundle, report: Report, *, langs: tuple[str, ...] = ("fr",),
                 translator: TextSource | None = None) -> None:
    """Run every cross-file check, adding problems to ``report``."""
    edges: dict[str, list[str]] = {}
    for flow in bundle.flows.values():
        for node in flow.nodes.values():
            edges[node.key] = _targets(bundle, node, report)
            _placeholders(bundle, node, node.say, report)
            for number in phone_like(node.say) + [n for b in node.buttons
                                                  for n in phone_like(b.text)]:
                report.add(node.say_pos, "hardcoded-number",
                           f"the text of '{node.key}' contains the number '{number}'",
                           "Numbers come from the directory: write a placeholder such as "
                           "{child_focus.phone} or list the contact under 'contacts:'.")
            if node.action is not None and node.action not in KNOWN_ACTIONS:
                report.add(node.pos, "unknown-action", f"the action '{node.action}' does not "
                           "exist", suggest(node.action, KNOWN_ACTIONS))
            if len(node.buttons) > MAX_BUTTONS:
                report.add(node.pos, "too-many-buttons",
                           f"'{node.key}' has {len(node.buttons)} buttons (at most "
                           f"{MAX_BUTTONS})", "Split the choices over two messages.")
            for cid in node.contacts:
                if cid not in bundle.directory.contacts:
                    report.add(node.pos, "unknown-contact", f"the contact '{cid}' is not in "
                               "the directory", suggest(cid, bundle.directory.contacts))
            _open_now(bundle, node, report)
            for lang, ids in node.contacts_by_lang.items():
                for cid in ids:
                    if cid not in bundle.directory.contacts:
                        report.add(node.pos, "unknown-contact", f"the {lang} contact '{cid}' is "
                                   "not in the directory", suggest(cid, bundle.directory.contacts))
            for fid in node.facts:
                if fid not in bundle.directory.facts:
                    report.add(node.pos, "unknown-fact", f"the fact '{fid}' is not in the "
                               "directory", suggest(fid, bundle.directory.facts))
    _reachability(bundle, edges, report)
    _links(bundle, report)
    _readability(bundle, report)
    _channel_words(bundle, report)
    for flow_id in REQUIRED_FLOWS:
        if flow_id not in bundle.flows:
            report.add(_root_pos(bundle), "missing-flow",
                       f"the flow '{flow_id}' is missing", "The bot needs it: restore it.")
    if all(f in bundle.flows for f in REQUIRED_FLOWS):
        for key in SYSTEM_NODES:
            if bundle.node(key) is None:
                report.add(bundle.flows[key.split(":")[0]].pos, "missing-node",
                           f"the node '{key}' is missing", "The bot shows it: restore it.")
        for key in UI_KEYS:
            if key not in bundle.ui:
                report.add(_root_pos(bundle), "missing-ui",
                           f"the label '{key}' is missing from ui.yaml", "Add it under strings.")
        for cat in bundle.crisis.categories:
            if cat not in ANSWERED_ELSEWHERE and bundle.node(f"emergency:{cat}") is None:
                report.add(bundle.flows["emergency"].pos, "missing-node",
                           f"the crisis category '{cat}' has no node 'emergency:{cat}'",
                           "Add that node to the emergency flow.")
    if not report.errors:
        _rendered_limits(bundle, report, langs, translator)


#: The channel the bot runs on besides the web page: content that names it is wrong there.
CHANNEL_NAMES = re.compile(r"\btelegram\b", re.IGNORECASE)
#: A command to type ("écris /start", "avec /forget"), not a path inside a web address.
COMMAND_WORD = re.compile(r"(?<![\w/:.~-])/[a-z]{2,16}\b")


def _channel_words(bundle: Bundle, report: Report) -> None:
    """Texts that name the channel or tell the user to type a /command (warnings).

    The same content runs on Telegram and on the web page: "quand Telegram le permet" is
    wrong on the web, and "écris /start" asks for a gesture a button does everywhere (the
    web page shows such words as buttons, a stopgap). Other platforms named as places where
    something happens ("sur Snapchat") are not channels and are not flagged."""
    for flow in bundle.flows.values():
        for node in flow.nodes.values():
            texts = [(node.say, node.say_pos), *((b.text, b.pos) for b in node.buttons)]
            for text, pos in texts:
                names = sorted({m.group(0) for m in CHANNEL_NAMES.finditer(text)})
                if names:
                    report.add(pos, "channel-name",
                               f"'{node.key}' names a channel ({', '.join(names)}), but the "
                               "same text is shown on the web page",
                               "Say it without the channel (\"quand c'est possible\"), or ask "
                               "the developers for a per-channel variant.", severity="warning")
                commands = sorted({m.group(0) for m in COMMAND_WORD.finditer(text)})
                if commands:
                    report.add(pos, "command-word",
                               f"'{node.key}' tells the user to type {', '.join(commands)}",
                               "Offer a button (goto:) or plain words (\"tout effacer\"): "
                               "typing a command is a Telegram habit.", severity="warning")


def _readability(bundle: Bundle, report: Report) -> None:
    """Young people's messages: length, sentence length and readability.

    Errors in flows for young people (audience ``young``), warnings in flows for all.
    """

    limits = bundle.readability
    for flow in bundle.flows.values():
        if flow.audience not in limits.audiences or flow.id == "system":
            continue
        severity: Severity = "error" if flow.audience == "young" else "warning"
        for node in flow.nodes.values():
            fig = measure(node.say)
            if fig.chars > limits.max_chars:
                report.add(node.say_pos, "long-message",
                           f"'{node.key}' has {fig.chars} characters (young readers: at most "
                           f"{limits.max_chars})", "Move the next idea behind a button.",
                           severity=severity)
            if fig.longest_sentence > limits.max_sentence_words:
                report.add(node.say_pos, "long-sentence",
                           f"'{node.key}' has a sentence of {fig.longest_sentence} words (at "
                           f"most {limits.max_sentence_words})", "Cut it in two.",
                           severity=severity)
            if fig.words >= 12 and fig.score < limits.min_score:
                report.add(node.say_pos, "hard-to-read",
                           f"'{node.key}' scores {fig.score:.0f} for readability (at least "
                           f"{limits.min_score:g})", "Use shorter words and sentences.",
                           severity=severity)


def _root_pos(bundle: Bundle) -> Pos:
    return Pos(bundle.crisis.file or "flows")


def _rendered_limits(bundle: Bundle, report: Report, langs: tuple[str, ...],
                     translator: TextSource | None) -> None:
    """Text over 4096 characters or callback data over 64 bytes, in every language."""
    tr = translator if isinstance(translator, Translator) else Translator()
    engine = Engine.for_rendering(bundle, tr)
    now = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
    for lang in langs:
        state = State(lang=lang, back=("start:start",))
        for flow in bundle.flows.values():
            for node in flow.nodes.values():
                reply = render_node(engine, state, node, now)
                if len(reply.text) > MAX_TEXT:
                    report.add(node.say_pos, "text-too-long",
                               f"'{node.key}' is {len(reply.text)} characters long in {lang} "
                               f"(Telegram's limit is {MAX_TEXT})",
                               "Split it over two nodes joined by a button.")
                for row in reply.buttons:
                    for button in row:
                        data = encode(button.choice) if button.choice else ""
                        if len(data.encode()) > MAX_CALLBACK:
                            report.add(node.pos, "callback-too-long",
                                       f"a button of '{node.key}' carries {len(data.encode())} "
                                       f"bytes (Telegram's limit is {MAX_CALLBACK})",
                                       "Report this to the developers.")
                        if len(button.label) > MAX_LABEL:
                            report.add(node.pos, "label-too-long",
                                       f"the button '{button.label[:30]}…' of '{node.key}' has "
                                       f"{len(button.label)} characters in {lang} (at most "
                                       f"{MAX_LABEL} fit on a phone)", "Shorten it.",
                                       severity="warning")
