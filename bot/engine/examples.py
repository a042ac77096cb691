"""Example sentences (``flows/examples/<lang>.yaml``) and audience cues (``flows/audience.yaml``).

Examples are whole messages as people type them, listed under the flow they should open. They
train the topic classifier (:mod:`bot.engine.classify`); they are never shown to users. Lint
warns about an example listed under two flows, an example the crisis lists would catch (it
would never reach its flow), and a flow with too few examples in a language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .crisis import ANSWERED_ELSEWHERE, CrisisDetector
from .i18n import LANGS
from .model import Bundle, Example
from .problems import Pos, Report, suggest
from .schema import check_keys, expect_mapping, text_list
from .text import normalize

EXAMPLES_DIR = "examples"
AUDIENCE_FILE = "audience.yaml"
#: Fewest examples per flow and language before lint warns: French young people's flows
#: need the most (most users), professionals' flows fewer, other languages 15.
MIN_EXAMPLES = {("fr", "young"): 40, ("fr", "pro"): 20}
MIN_OTHER = 15
#: Classes that may legitimately contain crisis words.
CRISIS_CLASSES = frozenset({"emergency"})


@dataclass
class ExampleFile:
    lang: str
    file: str
    pos: Pos
    reviewed: bool
    examples: list[Example]
    where: dict[str, Pos]  # flow id -> position of its key


def load_examples(data: Any, file: str, report: Report) -> ExampleFile | None:
    """``{lang, reviewed, examples: {flow: [sentences]}}``."""
    top = expect_mapping(data, Pos(file, 1, 1), "an examples file", report)
    if top is None:
        return None
    check_keys(top, ("lang", "reviewed", "examples"), ("lang", "examples"), "an examples file",
               report)
    lang = str(top.get("lang", ""))
    if lang not in LANGS:
        report.add(top.at("lang"), "bad-value", f"'{lang}' is not a supported language",
                   "Use one of: " + " ".join(LANGS) + ".")
    reviewed = top.get("reviewed", False) is True
    raw = expect_mapping(top.get("examples"), top.at("examples"), "'examples'", report)
    out: list[Example] = []
    where: dict[str, Pos] = {}
    for flow_id, sentences in (raw or {}).items():
        where[flow_id] = raw.key_at(flow_id) if raw else top.pos
        items = sentences if isinstance(sentences, list) else None
        texts = text_list(sentences, raw.at(flow_id) if raw else top.pos,
                          f"the {lang} examples of {flow_id}", report)
        for i, text in enumerate(texts):
            at = items.at(i) if items is not None and hasattr(items, "at") else where[flow_id]
            out.append(Example(lang, str(flow_id), text, at, reviewed))
    return ExampleFile(lang, file, top.pos, reviewed, out, where)


def load_audience(data: Any, file: str, report: Report) -> dict[str, tuple[str, ...]]:
    """``{pro: {lang: [phrases]}}``: phrases by which professionals present themselves."""
    top = expect_mapping(data, Pos(file, 1, 1), "the audience file", report)
    if top is None:
        return {}
    check_keys(top, ("pro",), ("pro",), "the audience file", report)
    per_lang = expect_mapping(top.get("pro"), top.at("pro"), "'pro'", report)
    return {str(lang): text_list(v, per_lang.at(lang), f"pro {lang}", report)
            for lang, v in (per_lang or {}).items()} if per_lang is not None else {}


def check_examples(files: list[ExampleFile], bundle: Bundle, report: Report, *,
                   advice: bool = True) -> None:
    """Unknown flows (errors); duplicates, crisis words and thin flows (warnings).

    ``advice=False`` (the running bot) skips the crisis scan of every example, which only
    gives warnings and costs seconds at start-up: ``lint`` runs it."""
    detector = CrisisDetector.build(bundle.crisis) if advice else None
    seen: dict[str, tuple[str, Pos]] = {}
    for ef in files:
        for flow_id, pos in ef.where.items():
            if flow_id not in bundle.flows:
                report.add(pos, "unknown-flow", f"there is no flow '{flow_id}'",
                           suggest(flow_id, bundle.flows))
        for ex in ef.examples:
            if ex.flow not in bundle.flows:
                continue
            key = normalize(ex.text)
            if key in seen and seen[key][0] != ex.flow:
                other, at = seen[key]
                report.add(ex.pos, "example-two-flows",
                           f"this example is also listed under '{other}' ({at})",
                           "Keep it under the one flow it should open, or reword one of them.",
                           severity="warning")
            seen.setdefault(key, (ex.flow, ex.pos))
            found = (detector.scan(ex.text) if detector is not None
                     and ex.flow not in CRISIS_CLASSES else None)
            answer = ANSWERED_ELSEWHERE.get(found.category, "") if found else ""
            if found is not None and answer.split(":")[0] != ex.flow:
                shown = answer or f"emergency:{found.category}"
                report.add(ex.pos, "example-crisis",
                           f"the crisis lists catch this example of '{ex.flow}': it would "
                           f"show {shown}, never this flow",
                           "Reword it, or add the harmless phrase to 'ignore' in "
                           "flows/safety/crisis.yaml if it is not a crisis.",
                           severity="warning")
    by_lang: dict[str, list[ExampleFile]] = {}
    for ef in files:  # a language may have several files (fr.yaml, offtopic-fr.yaml)
        by_lang.setdefault(ef.lang, []).append(ef)
    for lang_files in by_lang.values():
        anchor = max(lang_files, key=lambda f: len(f.examples))  # where warnings point
        counts: dict[str, int] = {}
        for part in lang_files:
            for ex in part.examples:
                counts[ex.flow] = counts.get(ex.flow, 0) + 1
        for flow in sorted(bundle.flows.values(), key=lambda f: f.id):
            if flow.audience not in ("young", "pro") and flow.id not in counts:
                continue
            need = MIN_EXAMPLES.get((anchor.lang, "pro" if flow.audience == "pro" else "young"),
                                    MIN_OTHER) if anchor.lang == "fr" else MIN_OTHER
            if flow.audience not in ("young", "pro"):
                need = MIN_OTHER
            have = counts.get(flow.id, 0)
            if have < need:
                report.add(anchor.where.get(flow.id, anchor.pos), "few-examples",
                           f"'{flow.id}' has {have} {anchor.lang} example(s), "
                           f"fewer than {need}",
                           "Add whole sentences as people type them (see docs/maintainers.md).",
                           severity="warning")
