"""Reports for maintainers: what to verify in the directory, crisis detection figures."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from .engine.crisis import CrisisDetector
from .engine.model import Bundle

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
    lines.append("Facts not fully verified:")
    for fact in sorted(bundle.directory.facts.values(), key=lambda f: f.id):
        if fact.confidence != "verified":
            lines.append(f"  {fact.id:<32} {fact.confidence:<12} {fact.source[0]}")
    return "\n".join(lines)


def crisis_report(bundle: Bundle, cwd: Path) -> str:
    """Recall and precision of the crisis detector on the labelled cases, per language."""
    path = Path(__file__).resolve().parents[1] / "tests" / "data" / "crisis_cases.tsv"
    if not path.exists():
        return f"no labelled cases at {path}"
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


REPORTS: dict[str, Callable[[Bundle, Path], str]] = {
    "contacts": contacts_report,
    "crisis": crisis_report,
}
