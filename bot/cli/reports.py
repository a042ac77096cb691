"""Reports for maintainers: what to verify in the directory, crisis detection figures."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from ..config import ROOT
from ..engine import Engine, Translator
from ..engine.crisis import CrisisDetector
from ..engine.langid import MIN_WORDS
from ..engine.model import Bundle
from ..engine.readability import combine, measure
from . import evaluate

NULLABLE = ("phone", "web", "email", "address", "hours")


def contacts_report(bundle: Bundle, cwd: Path) -> str:
    """Every contact and fact not fully verified, with what is unknown."""
    lines = ["", "Contacts to verify (confidence, unknown fields, last check, source):"]
    for contact in sorted(bundle.directory.contacts.values(), key=lambda c: c.id):
        unknown = [f for f in NULLABLE if getattr(contact, f) is None]
        if contact.hours is not None and not contact.hours_confirmed:
            unknown.append("hours unconfirmed")
        if contact.confidence == "verified" and not unknown:
            continue
        lines.append(f"  {contact.id:<24} {contact.confidence:<12} "
                     f"unknown: {', '.join(unknown) or '-':<40} checked {contact.verified}  "
                     f"{contact.source[0] if contact.source else '-'}")
        if contact.note:
            lines.append(f"  {'':<24} note: {contact.note}")
    lines.append("Facts not fully verified (or citing the old Criminal Code):")
    for fact in sorted(bundle.directory.facts.values(), key=lambda f: f.id):
        if fact.confidence != "verified" or fact.code == "old":
            code = f"code {fact.code}" if fact.code else ""
            lines.append(f"  {fact.id:<32} {fact.confidence:<12} {code:<9} {fact.source[0]}")
            if fact.note:
                lines.append(f"  {'':<32} note: {fact.note}")
    return "\n".join(lines)


#: The labelled cases the reports measure against (in the source checkout only).
CASES = ROOT / "tests" / "data"


def crisis_report(bundle: Bundle, cwd: Path) -> str:
    """Recall and precision of the crisis detector on the labelled cases, per language."""
    path = CASES / "crisis_cases.tsv"
    if not path.exists():
        return (f"no labelled cases at {path}: they belong to the source checkout (tests/data),"
                " not to an installed package; run this report from a checkout")
    detector = CrisisDetector.build(bundle.crisis)
    per: dict[str, list[int]] = {}  # lang -> [danger cases, detected, none cases, false alarms]
    misses: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            stats = per.setdefault(row["lang"], [0, 0, 0, 0])
            found = detector.detect(row["text"])
            if row["label"] == "none":
                stats[2] += 1
                if found:
                    stats[3] += 1
                    misses.append(f"  false alarm ({row['lang']}, {found}): {row['text']}")
            else:
                stats[0] += 1
                if found:
                    stats[1] += 1
                else:
                    misses.append(f"  MISSED ({row['lang']}, {row['label']}): {row['text']}")
    lines = ["", f"{'lang':<5} {'recall':>8} {'precision':>10} {'cases':>6}"]
    total = [0, 0, 0, 0]
    for lang, (d, hit, n, fa) in sorted(per.items()):
        total = [total[0] + d, total[1] + hit, total[2] + n, total[3] + fa]
        prec = hit / (hit + fa) if hit + fa else 1.0
        lines.append(f"{lang:<5} {hit / d if d else 1:>8.1%} {prec:>10.1%} {d + n:>6}")
    d, hit, _, fa = total
    lines.append(f"{'all':<5} {hit / d if d else 1:>8.1%} "
                 f"{hit / (hit + fa) if hit + fa else 1:>10.1%} {sum(total[::2]):>6}")
    return "\n".join(lines + misses)


def readability_report(bundle: Bundle, cwd: Path) -> str:
    """Per flow: messages, average characters, longest sentence, Kandel-Moles score."""

    lines = ["", f"{'flow':<16} {'audience':<9} {'msgs':>4} {'chars/msg':>9} "
             f"{'longest':>7} {'score':>6}"]
    for flow in sorted(bundle.flows.values(), key=lambda f: f.id):
        figures = [measure(n.say) for n in flow.nodes.values()]
        total = combine(figures)
        lines.append(f"{flow.id:<16} {flow.audience:<9} {len(figures):>4} "
                     f"{total.chars / max(len(figures), 1):>9.0f} {total.longest_sentence:>7} "
                     f"{total.score:>6.1f}")
    limits = bundle.readability
    lines.append(f"limits (flows/readability.yaml): score >= {limits.min_score:g}, "
                 f"<= {limits.max_chars} characters, <= {limits.max_sentence_words} words "
                 f"per sentence, for audiences {', '.join(limits.audiences)}")
    return "\n".join(lines)


def facts_report(bundle: Bundle, cwd: Path) -> str:
    """Markdown table of every contact field and fact a user can read, with sources."""
    uses: dict[str, list[str]] = {}
    for flow in bundle.flows.values():
        for node in flow.nodes.values():
            for ref in (*node.contacts, *node.facts):
                uses.setdefault(ref, []).append(node.key)
            for m in re.finditer(r"\{([a-z0-9_]+)\.", node.say):
                uses.setdefault(m.group(1), []).append(node.key)
    out = ["# Facts shown to users, with their sources", "",
           "Generated by `python -m bot lint --report facts` from `flows/contacts.yaml`: do "
           "not edit by hand.", "", "## Contacts", "",
           "| id | name | phone | hours | address | web | confidence | checked | source | "
           "used in |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in sorted(bundle.directory.contacts.values(), key=lambda c: c.id):
        hours = "unknown" if c.hours is None else ("24/7" if c.hours.always else "weekly")
        if c.hours is not None and not c.hours_confirmed:
            hours += " (unconfirmed)"
        address = (c.address or "unknown") + (f" *Note: {c.note}*" if c.note else "")
        out.append(f"| {c.id} | {c.name} | {c.phone or 'unknown'} | {hours} | "
                   f"{address} | {c.web or '-'} | {c.confidence} | {c.verified} "
                   f"| {' '.join(c.source)} | {', '.join(sorted(set(uses.get(c.id, []))))} |")
    out += ["", "## Facts and legal rules", "",
            "`code`: which Criminal Code a legal fact's article numbers follow: `old` (Code of "
            "1867, shown as \"ancien art.\") or `2026` (new Code, laws of 29 February 2024).",
            "",
            "| id | fact | code | confidence | checked | source | used in |",
            "|---|---|---|---|---|---|---|"]
    for f in sorted(bundle.directory.facts.values(), key=lambda f: f.id):
        text = f.text.replace("|", "/").replace("\n", " ")
        if f.note:
            text += f" *Note: {f.note.replace('|', '/')}*"
        out.append(f"| {f.id} | {text} | {f.code or '-'} | {f.confidence} | {f.verified} | "
                   f"{' '.join(f.source)} | {', '.join(sorted(set(uses.get(f.id, []))))} |")
    return "\n".join(out)


def understanding_report(bundle: Bundle, cwd: Path) -> str:
    """Routing accuracy per language and audience, fallbacks, crisis recall, confusions."""
    if not evaluate.CASES.exists():
        return f"no labelled cases at {evaluate.CASES}"
    out: str = evaluate.report(evaluate.evaluate(Engine.build(bundle, Translator.load())))
    return out


def languages_report(bundle: Bundle, cwd: Path) -> str:
    """Language identification on the labelled messages, per language: messages of fewer
    than 4 words (where the bot never switches by itself) and of 4 or more."""
    if not evaluate.CASES.exists():
        return f"no labelled cases at {evaluate.CASES}"
    engine = Engine.build(bundle, Translator.load())
    per: dict[str, list[int]] = {}  # lang -> [short, short right, long, long right, decided]
    for case in evaluate.load_cases():
        guess = engine.langid.guess(case.text)
        n = len(case.text.split())
        row = per.setdefault(case.lang, [0, 0, 0, 0, 0])
        right = guess is not None and guess.lang == case.lang
        if n < MIN_WORDS:
            row[0] += 1
            row[1] += right
        else:
            row[2] += 1
            row[3] += right
            row[4] += engine.langid.identify(case.text, n) == case.lang
    lines = [f"{'lang':<5} {'<4 words':>9} {'4+ words':>9} {'switched':>9}  (right / cases)"]
    totals = [0, 0, 0, 0, 0]
    for lang, row in sorted(per.items()):
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        lines.append(f"{lang:<5} {_pct(row[1], row[0]):>9} {_pct(row[3], row[2]):>9} "
                     f"{_pct(row[4], row[2]):>9}")
    lines.append(f"{'all':<5} {_pct(totals[1], totals[0]):>9} {_pct(totals[3], totals[2]):>9} "
                 f"{_pct(totals[4], totals[2]):>9}")
    lines.append("switched: identified with enough confidence to offer that language")
    return "\n".join(lines)


def _pct(right: int, cases: int) -> str:
    return f"{100 * right / cases:.1f}%" if cases else "-"


REPORTS: dict[str, Callable[[Bundle, Path], str]] = {
    "languages": languages_report,
    "understanding": understanding_report,
    "readability": readability_report,
    "facts": facts_report,
    "contacts": contacts_report,
    "crisis": crisis_report,
}
