"""Babel extractor for the flow YAML: every text a user reads, with its place and limits.

Registered as the ``babel.extractors`` entry point ``flows_yaml`` and named in ``babel.cfg``.
Translator comments say which node a text belongs to and how long it may be.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .problems import Report
from .yamlsrc import LocDict, LocList, load_yaml

Extracted = tuple[int, str | None, str, list[str]]

BUTTON_HINT = "button label: keep it short (at most about 30 characters)"
MESSAGE_HINT = "one message (Telegram's limit: 4096 characters); keep the {placeholders}"
#: ui.yaml strings that are sentences, not button labels: their own limit for translators
UI_HINTS = {
    "bot_description": "the bot's profile text in Telegram: at most 512 characters",
    "bot_short_description": "the bot's short profile text: at most 120 characters",
    "poster_line": "one sentence printed on a poster, under the topic's title",
    "fallback_marker": "a short note under a text shown in French",
    "not_reviewed": "a short note (one line)",
    "unknown_value": "a short note; keep the {placeholders}",
    "web_noscript": "one sentence on the web page",
    "web_locate_failed": "one sentence on the web page",
    "web_offline": "one sentence on the web page",
}


def _say(node: LocDict, comment: str) -> Iterator[Extracted]:
    say = node.get("say")
    if isinstance(say, str) and say.strip():
        yield node.at("say").line, None, say.strip(), [comment, MESSAGE_HINT]


def _flow(top: LocDict) -> Iterator[Extracted]:
    flow_id = top.get("id", "?")
    if isinstance(top.get("title"), str):
        yield top.at("title").line, None, top["title"].strip(), [
            f"title of the flow {flow_id} (menus)", BUTTON_HINT]
    nodes = top.get("nodes")
    if not isinstance(nodes, LocDict):
        return
    for node_id, node in nodes.items():
        if not isinstance(node, LocDict):
            continue
        yield from _say(node, f"node {flow_id}:{node_id}")
        buttons = node.get("buttons")
        if isinstance(buttons, LocList):
            for i, button in enumerate(buttons):
                if isinstance(button, LocDict) and isinstance(button.get("text"), str):
                    yield buttons.at(i).line, None, button["text"].strip(), [
                        f"button of {flow_id}:{node_id}", BUTTON_HINT]


def _contacts(top: LocDict) -> Iterator[Extracted]:
    contacts = top.get("contacts")
    if not isinstance(contacts, LocDict):
        return
    for cid, row in contacts.items():
        if not isinstance(row, LocDict):
            continue
        for key in ("name", "what"):
            if isinstance(row.get(key), str):
                note = "a service's name: do not translate official names" if key == "name" \
                    else "what the service does, one short sentence"
                yield row.at(key).line, None, row[key].strip(), [f"contact {cid}: {note}"]


def _ui(top: LocDict) -> Iterator[Extracted]:
    strings = top.get("strings")
    if isinstance(strings, LocDict):
        for key, value in strings.items():
            if isinstance(value, str):
                yield strings.at(key).line, None, value.strip(), [
                    f"ui label {key}: keep the {{placeholders}}",
                    UI_HINTS.get(str(key), BUTTON_HINT)]


def extract_texts(text: str, name: str) -> list[Extracted]:
    """The translatable texts of one content file (empty for the crisis lists)."""
    top = load_yaml(text, name, Report())
    if not isinstance(top, LocDict):
        return []
    filename = Path(name).name
    if filename == "crisis.yaml":
        return []  # per-language lists, reviewed in the YAML itself
    if filename == "contacts.yaml":
        return list(_contacts(top))
    if filename == "ui.yaml":
        return list(_ui(top))
    return list(_flow(top))


def extract_flows(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
                  ) -> Iterator[Extracted]:
    """Babel extractor entry point (signature required by Babel)."""
    data = fileobj.read()
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    yield from extract_texts(text, getattr(fileobj, "name", "flows.yaml"))
