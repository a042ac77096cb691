"""Load ``flows/`` into a validated :class:`~bot.engine.model.Bundle`.

Every problem of every file is collected in one run and reported as
``file:line:col: error [rule] what. how to fix`` (see :mod:`bot.engine.problems`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import checks, directory
from .examples import (
    AUDIENCE_FILE,
    EXAMPLES_DIR,
    ExampleFile,
    check_examples,
    load_audience,
    load_examples,
)
from .i18n import LANGS
from .model import AUDIENCES, Bundle, ButtonSpec, CrisisLists, Flow, Node, Readability
from .problems import ContentError, Pos, Report, suggest
from .schema import (
    check_keys,
    expect_id,
    expect_list,
    expect_mapping,
    expect_text,
    text_list,
)
from .yamlsrc import LocDict, load_yaml

FLOW_KEYS = ("id", "audience", "title", "description", "sensitive", "triggers", "start", "nodes")
FLOW_REQUIRED = ("id", "audience", "title", "start", "nodes")
NODE_KEYS = ("say", "buttons", "contacts", "facts", "action", "ask", "sensitive", "triggers",
             "open_now", "contacts_by_lang", "navigation", "status_of", "cards")
BUTTON_KEYS = ("text", "goto", "url", "contact", "set", "row")
ASK_KINDS = ("place",)
CONTACTS_FILE = "contacts.yaml"
UI_FILE = "ui.yaml"
CRISIS_FILE = "crisis.yaml"
READABILITY_FILE = "readability.yaml"
LINKS_FILE = "links.yaml"
MIN_ERASE, MAX_ERASE = 5, 1440  # minutes a conversation may be kept before auto-erasing
#: A deep-link name Telegram accepts in ``?start=`` (letters, digits, _ and -, at most 64).
LINK_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "flows"


def display_path(path: Path) -> str:
    """A path as maintainers know it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _button(data: Any, pos: Pos, flow_id: str, report: Report) -> ButtonSpec | None:
    where = "a button"
    item = expect_mapping(data, pos, where, report)
    if item is None:
        return None
    check_keys(item, BUTTON_KEYS, ("text",), where, report)
    text = expect_text(item.get("text"), item.at("text"), "the button text", report)
    targets = [k for k in ("goto", "url", "contact") if k in item]
    if len(targets) != 1:
        report.add(pos, "button-target",
                   "a button needs exactly one of 'goto', 'url' or 'contact'"
                   + (f" (it has {', '.join(targets)})" if targets else ""),
                   "Say where the button leads: 'goto: node' or 'goto: flow:node', "
                   "'url: https://...' or 'contact: id'.")
    goto = item.get("goto")
    if goto is not None:
        goto = str(goto)
        goto = goto if ":" in goto else f"{flow_id}:{goto}"
    url = expect_text(item["url"], item.at("url"), "the url", report) if "url" in item else None
    if url and not url.startswith(("https://", "http://", "tg://")):
        report.add(item.at("url"), "bad-url", f"'{url}' is not a web address",
                   "Start it with https://.")
    audience = None
    erase_after: int | None = None
    if "set" in item:
        settings = expect_mapping(item["set"], item.at("set"), "'set'", report)
        if settings is not None:
            check_keys(settings, ("audience", "auto_erase"), (), "'set'", report)
            audience = settings.get("audience")
            if "audience" in settings and audience not in ("young", "pro"):
                report.add(settings.at("audience"), "bad-value",
                           f"audience '{audience}' is not young or pro", "Use young or pro.")
            erase = settings.get("auto_erase")
            if "auto_erase" in settings and (
                    isinstance(erase, bool) or not isinstance(erase, int)
                    or not (erase == 0 or MIN_ERASE <= erase <= MAX_ERASE)):
                report.add(settings.at("auto_erase"), "bad-value",
                           f"auto_erase '{erase}' is not a number of minutes the bot can keep",
                           f"Use 0 (off) or {MIN_ERASE} to {MAX_ERASE} minutes: Telegram lets "
                           "a bot delete messages for 48 hours, and the state lives 24.")
                erase = None
            elif "auto_erase" in settings:
                erase_after = erase
    row = item.get("row")
    if row is not None and (isinstance(row, bool) or not isinstance(row, int)):
        report.add(item.at("row"), "wrong-type", "'row' must be a whole number",
                   "Buttons with the same row number share a line.")
        row = None
    if text is None:
        return None
    contact = str(item["contact"]) if "contact" in item else None
    return ButtonSpec(text=text, pos=pos, goto=goto, url=url, contact=contact,
                      set_audience=audience, row=row, set_erase_after=erase_after)


def _cards(item: LocDict, report: Report) -> bool:
    """``cards: short`` (cards to pass on) or ``cards: full`` (the default)."""
    value = item.get("cards", "full")
    if value not in ("full", "short"):
        report.add(item.at("cards"), "bad-value", f"cards '{value}' is not full or short",
                   "Use 'cards: short' for a card people forward, or leave it out.")
    return bool(value == "short")


def _node(node_id: str, data: Any, pos: Pos, flow: LocDict, flow_id: str, report: Report
          ) -> Node | None:
    where = f"node '{node_id}'"
    item = expect_mapping(data, pos, where, report)
    if item is None:
        return None
    check_keys(item, NODE_KEYS, ("say",), where, report)
    say = expect_text(item.get("say"), item.at("say"), f"the text of {where}", report)
    buttons: list[ButtonSpec] = []
    if "buttons" in item:
        raw = expect_list(item["buttons"], item.at("buttons"), f"the buttons of {where}", report)
        for i, b in enumerate(raw or []):
            button = _button(b, raw.at(i) if raw else pos, flow_id, report)
            if button:
                buttons.append(button)
    action = item.get("action")
    ask = item.get("ask")
    if ask is not None and ask not in ASK_KINDS:
        report.add(item.at("ask"), "bad-value", f"'ask: {ask}' is not known",
                   "The only kind is 'ask: place'.")
    if ask is not None and action is None:
        report.add(item.at("ask"), "ask-without-action",
                   f"{where} asks for a {ask} but has no action to use it",
                   "Add 'action: find_saj'.")
    triggers: dict[str, tuple[str, ...]] = {}
    if "triggers" in item:
        trig = expect_mapping(item["triggers"], item.at("triggers"), "'triggers'", report)
        for lang, phrases in (trig or {}).items():
            triggers[lang] = text_list(phrases, trig.at(lang) if trig else pos,
                                       f"the {lang} triggers of {where}", report)
    by_lang: dict[str, tuple[str, ...]] = {}
    if "contacts_by_lang" in item:
        raw_by = expect_mapping(item["contacts_by_lang"], item.at("contacts_by_lang"),
                                "'contacts_by_lang'", report)
        for lang, ids in (raw_by or {}).items():
            by_lang[str(lang)] = text_list(ids, raw_by.at(lang) if raw_by else pos,
                                           f"the {lang} contacts of {where}", report)
    if say is None:
        return None
    return Node(
        flow=flow_id, id=node_id, say=say, pos=pos, say_pos=item.key_at("say"),
        buttons=tuple(buttons),
        contacts=text_list(item["contacts"], item.at("contacts"), "contacts", report)
        if "contacts" in item else (),
        facts=text_list(item["facts"], item.at("facts"), "facts", report)
        if "facts" in item else (),
        action=str(action) if action is not None else None,
        ask=str(ask) if ask is not None else None,
        sensitive=bool(item.get("sensitive", flow.get("sensitive", False))),
        triggers=triggers,
        open_now=text_list(item["open_now"], item.at("open_now"), "open_now", report)
        if "open_now" in item else (),
        contacts_by_lang=by_lang,
        navigation=bool(item.get("navigation", True)),
        short_cards=_cards(item, report),
        status_of=text_list(item["status_of"], item.at("status_of"), "status_of", report)
        if "status_of" in item else (),
    )


def load_flow(data: Any, file: str, report: Report) -> Flow | None:
    """Build one flow from its parsed file, reporting what is wrong."""
    top = expect_mapping(data, Pos(file, 1, 1), "a flow file", report)
    if top is None:
        return None
    check_keys(top, FLOW_KEYS, FLOW_REQUIRED, "a flow", report)
    flow_id = expect_id(top.get("id"), top.at("id"), "the flow id", report) if "id" in top else None
    audience = top.get("audience")
    if "audience" in top and audience not in AUDIENCES:
        report.add(top.at("audience"), "bad-value", f"audience '{audience}' is not known",
                   "Use young, pro or all.")
    title = expect_text(top.get("title"), top.at("title"), "the title", report)
    triggers: dict[str, tuple[str, ...]] = {}
    if "triggers" in top:
        trig = expect_mapping(top["triggers"], top.at("triggers"), "'triggers'", report)
        for lang, words in (trig or {}).items():
            triggers[lang] = text_list(words, trig.at(lang) if trig else top.pos,
                                       f"the {lang} triggers", report)
    nodes: dict[str, Node] = {}
    raw_nodes = expect_mapping(top.get("nodes"), top.at("nodes"), "'nodes'", report) \
        if "nodes" in top else None
    if flow_id is None:
        return None
    for node_id, data_node in (raw_nodes or {}).items():
        if expect_id(node_id, raw_nodes.key_at(node_id) if raw_nodes else top.pos,
                     "the node id", report) is None:
            continue
        node = _node(node_id, data_node, raw_nodes.key_at(node_id) if raw_nodes else top.pos,
                     top, flow_id, report)
        if node:
            nodes[node_id] = node
    start = str(top.get("start", ""))
    if "start" in top and raw_nodes is not None and start not in raw_nodes:
        report.add(top.at("start"), "unknown-target",
                   f"the start node '{start}' does not exist in this flow",
                   suggest(start, list(nodes)))
    if title is None or audience not in AUDIENCES or not nodes:
        return None
    return Flow(id=flow_id, audience=str(audience), title=title, start=start, nodes=nodes,
                file=file, pos=top.pos, triggers=triggers, sensitive=bool(top.get("sensitive")))


def load_ui(data: Any, file: str, report: Report) -> dict[str, str]:
    top = expect_mapping(data, Pos(file, 1, 1), "the ui file", report)
    if top is None:
        return {}
    check_keys(top, ("strings",), ("strings",), "the ui file", report)
    strings = expect_mapping(top.get("strings"), top.at("strings"), "'strings'", report)
    out: dict[str, str] = {}
    for key, value in (strings or {}).items():
        text = expect_text(value, strings.at(key) if strings else top.pos, f"ui '{key}'", report)
        if text:
            out[key] = text
    return out


def load_links(data: Any, file: str, report: Report) -> tuple[dict[str, str], dict[str, Pos]]:
    """``flows/links.yaml``: deep-link names and the node each one opens."""
    top = expect_mapping(data, Pos(file, 1, 1), "the links file", report)
    if top is None:
        return {}, {}
    check_keys(top, ("links",), ("links",), "the links file", report)
    raw = expect_mapping(top.get("links"), top.at("links"), "'links'", report)
    links: dict[str, str] = {}
    where: dict[str, Pos] = {}
    for name, target in (raw or {}).items():
        pos = raw.at(name) if raw else top.pos
        text = expect_text(target, pos, f"the link '{name}'", report)
        if not LINK_NAME.match(str(name)) or str(name).startswith(LINK_FAMILIES):
            report.add(pos, "bad-link-name", f"'{name}' cannot be a deep-link name",
                       "Use at most 64 letters, digits, _ or -, not starting with "
                       + " or ".join(LINK_FAMILIES) + " (those are built in).")
            continue
        if text:
            links[str(name)] = text
            where[str(name)] = pos
    return links, where


#: Link families the engine understands without a line in links.yaml.
LINK_FAMILIES = ("saj_", "lang_")


def load_crisis(data: Any, file: str, report: Report) -> CrisisLists:
    top = expect_mapping(data, Pos(file, 1, 1), "the crisis file", report)
    if top is None:
        return CrisisLists({}, {}, file)
    check_keys(top, ("categories", "ignore", "exploitation"), ("categories",), "the crisis file",
               report)
    categories: dict[str, dict[str, tuple[str, ...]]] = {}
    cats = expect_mapping(top.get("categories"), top.at("categories"), "'categories'", report)
    for cat, langs in (cats or {}).items():
        per_lang = expect_mapping(langs, cats.at(cat) if cats else top.pos, f"'{cat}'", report)
        categories[cat] = {
            lang: text_list(words, per_lang.at(lang), f"{cat} {lang}", report)
            for lang, words in (per_lang or {}).items()
        } if per_lang is not None else {}
    ignore: dict[str, tuple[str, ...]] = {}
    ign = expect_mapping(top["ignore"], top.at("ignore"), "'ignore'", report) \
        if "ignore" in top else None
    for lang, words in (ign or {}).items():
        ignore[lang] = text_list(words, ign.at(lang) if ign else top.pos, f"ignore {lang}", report)
    exploitation: dict[str, tuple[str, ...]] = {}
    exp = expect_mapping(top["exploitation"], top.at("exploitation"), "'exploitation'", report) \
        if "exploitation" in top else None
    for lang, words in (exp or {}).items():
        exploitation[lang] = text_list(words, exp.at(lang) if exp else top.pos,
                                       f"exploitation {lang}", report)
    return CrisisLists(categories, ignore, file, exploitation)


TRIGGERS_DIR = "triggers"


def load_triggers(data: Any, file: str, report: Report
                  ) -> tuple[str, dict[str, tuple[str, ...]], dict[str, Pos]]:
    """A per-language trigger file: ``{lang, reviewed, triggers: {flow: [phrases]}}``."""

    top = expect_mapping(data, Pos(file, 1, 1), "a trigger file", report)
    if top is None:
        return "", {}, {}
    check_keys(top, ("lang", "reviewed", "triggers"), ("lang", "triggers"), "a trigger file",
               report)
    lang = str(top.get("lang", ""))
    if lang not in LANGS:
        report.add(top.at("lang"), "bad-value", f"'{lang}' is not a supported language",
                   "Use one of: " + " ".join(LANGS) + ".")
    raw = expect_mapping(top.get("triggers"), top.at("triggers"), "'triggers'", report)
    out: dict[str, tuple[str, ...]] = {}
    where: dict[str, Pos] = {}
    for flow_id, phrases in (raw or {}).items():
        where[flow_id] = raw.key_at(flow_id) if raw else top.pos
        out[flow_id] = text_list(phrases, raw.at(flow_id) if raw else top.pos,
                                 f"the {lang} triggers of {flow_id}", report)
    return lang, out, where


def _merge_triggers(
    flows: dict[str, Flow],
    extra: list[tuple[str, dict[str, tuple[str, ...]], dict[str, Pos]]],
    report: Report,
) -> None:
    """Add each language file's trigger phrases to the flows (or ``flow:node``) they name."""
    for lang, per_flow, where in extra:
        for target, phrases in per_flow.items():
            flow_id, _, node_id = target.partition(":")
            flow = flows.get(flow_id)
            if flow is None:
                report.add(where[target], "unknown-flow", f"there is no flow '{flow_id}'",
                           suggest(flow_id, flows))
                continue
            if node_id:
                node = flow.nodes.get(node_id)
                if node is None:
                    report.add(where[target], "unknown-target",
                               f"the flow '{flow_id}' has no node '{node_id}'",
                               suggest(node_id, list(flow.nodes)))
                    continue
                node_trig = dict(node.triggers)
                node_trig[lang] = (*node_trig.get(lang, ()), *phrases)
                nodes = dict(flow.nodes)
                nodes[node_id] = replace(node, triggers=node_trig)
                flows[flow_id] = replace(flow, nodes=nodes)
                continue
            merged = dict(flow.triggers)
            merged[lang] = (*merged.get(lang, ()), *phrases)
            flows[flow_id] = replace(flow, triggers=merged)


def load_readability(data: Any, file: str, report: Report) -> Readability:
    top = expect_mapping(data, Pos(file, 1, 1), "the readability file", report)
    if top is None:
        return Readability()
    keys = ("min_score", "max_chars", "max_sentence_words", "audiences")
    check_keys(top, keys, (), "the readability file", report)
    values: dict[str, Any] = {}
    for key in keys[:3]:
        if key in top:
            value = top[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                report.add(top.at(key), "wrong-type", f"'{key}' must be a number",
                           "Write a number, e.g. 60.")
                continue
            values[key] = value
    if "audiences" in top:
        values["audiences"] = text_list(top["audiences"], top.at("audiences"), "audiences",
                                        report)
    return Readability(**values)


def content_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


@dataclass
class _Parts:
    """What the files of a tree contain, before cross-checks."""

    flows: dict[str, Flow] = field(default_factory=dict)
    ui: dict[str, str] = field(default_factory=dict)
    crisis: CrisisLists | None = None
    directory: tuple[Any, str] | None = None
    triggers: list[tuple[str, dict[str, tuple[str, ...]], dict[str, Pos]]] = field(
        default_factory=list)
    hasher: Any = field(default_factory=hashlib.sha256)
    readability: Readability = field(default_factory=Readability)
    links: tuple[dict[str, str], dict[str, Pos]] = field(default_factory=lambda: ({}, {}))
    examples: list[ExampleFile] = field(default_factory=list)
    audience: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _read(path: Path, parts: _Parts, report: Report) -> None:
    """Parse one content file into ``parts`` according to its name."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.add(Pos(name), "unreadable", f"the file cannot be read ({exc})",
                   "Save it as UTF-8 text.")
        return
    parts.hasher.update(name.encode() + b"\0" + text.encode())
    data = load_yaml(text, name, report)
    if data is None and text.strip():
        return
    if path.name == CONTACTS_FILE:
        parts.directory = (data, name)
    elif path.name == UI_FILE:
        parts.ui = load_ui(data, name, report)
    elif path.name == CRISIS_FILE:
        parts.crisis = load_crisis(data, name, report)
    elif path.name == LINKS_FILE:
        parts.links = load_links(data, name, report)
    elif path.name == READABILITY_FILE:
        parts.readability = load_readability(data, name, report)
    elif path.name == AUDIENCE_FILE and path.parent.parent.name != EXAMPLES_DIR:
        parts.audience = load_audience(data, name, report)
    elif path.parent.name == EXAMPLES_DIR:
        loaded = load_examples(data, name, report)
        if loaded is not None:
            parts.examples.append(loaded)
    elif path.parent.name == TRIGGERS_DIR:
        parts.triggers.append(load_triggers(data, name, report))
    else:
        flow = load_flow(data, name, report)
        if flow is None:
            return
        if flow.id in parts.flows:
            report.add(flow.pos, "duplicate-flow",
                       f"the flow id '{flow.id}' is already used by {parts.flows[flow.id].file}",
                       "Give each flow its own id.")
            return
        parts.flows[flow.id] = flow


def load_bundle(
    root: Path | None = None,
    extra: Iterable[Path] = (),
    *,
    langs: Iterable[str] = ("fr",),
    translator: checks.TextSource | None = None,
    advice: bool = True,
) -> tuple[Bundle | None, Report]:
    """Load and check a content tree; return the bundle (None on errors) and the report.

    ``extra`` files are loaded as if they stood in the tree (``lint FILE``). ``langs`` and
    ``translator`` widen the rendering checks to every language. ``advice=False`` skips the
    slow checks that can only warn (the running bot; ``lint`` runs them all).
    """
    root = root or DEFAULT_ROOT
    report = Report()
    files = content_files(root) if root.is_dir() else []
    if not root.is_dir():
        report.add(Pos(display_path(root)), "missing-file", "the content folder does not exist",
                   "Point to the flows/ folder.")
    by_resolved = {f.resolve(): f for f in files}
    for path in extra:
        by_resolved[path.resolve()] = path
    parts = _Parts()
    for path in sorted(by_resolved.values(), key=str):
        _read(path, parts, report)
    flows = parts.flows
    _merge_triggers(flows, parts.triggers, report)
    crisis = parts.crisis
    if crisis is None:
        report.add(Pos(display_path(root / "safety" / CRISIS_FILE)), "missing-file",
                   "there are no crisis word lists", "Restore flows/safety/crisis.yaml: "
                   "without it, danger messages are not recognised.")
        crisis = CrisisLists({}, {}, "")
    if parts.directory is None:
        report.add(Pos(display_path(root / CONTACTS_FILE)), "missing-file",
                   "there is no contact directory", "Create flows/contacts.yaml.")
        dir_obj = directory.empty()
    else:
        dir_obj = directory.load_directory(parts.directory[0], parts.directory[1], report)
    ui = parts.ui
    hasher = parts.hasher
    keys = tuple(sorted(f"{f.id}:{n}" for f in flows.values() for n in f.nodes))
    bundle = Bundle(
        flows=flows, directory=dir_obj, crisis=crisis, ui=ui,
        version=hasher.hexdigest()[:4], node_keys=keys,
        node_index={k: i for i, k in enumerate(keys)}, readability=parts.readability,
        links=parts.links[0], link_pos=parts.links[1],
        examples=tuple(ex for ef in parts.examples for ex in ef.examples),
        audience_cues=parts.audience,
    )
    checks.check_bundle(bundle, report, langs=tuple(langs), translator=translator)
    check_examples(parts.examples, bundle, report, advice=advice)
    return (None if report.errors else bundle), report


def load_or_raise(root: Path | None = None, **kwargs: Any) -> Bundle:
    """Load content for the running bot; raise :class:`ContentError` listing every problem."""
    bundle, report = load_bundle(root, **{"advice": False, **kwargs})
    if bundle is None:
        raise ContentError(report.sorted())
    return bundle
