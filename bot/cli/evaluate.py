"""Measure typed-text understanding on the held-out set ``tests/data/understanding_cases.tsv``.

Each case is typed as the first message of a conversation in its language (chosen), with the
audience unknown (as right after /start): what the bot answers is compared with ``expected``:
a flow id (that flow must open), ``danger`` / ``suicide`` / ``runaway`` (a crisis answer), or
``chat`` (left alone: small talk or "not understood", never a topic, a "did you mean" or an
alarm). Used by ``python -m bot lint --report understanding`` and by tests/test_understanding.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ROOT
from ..engine import Engine, Open, State, Text, step

CASES = ROOT / "tests" / "data" / "understanding_cases.tsv"
CRISIS = frozenset({"danger", "suicide", "runaway"})
ALARM_NODES = frozenset({"emergency:danger", "emergency:suicide", "emergency:runaway",
                         "emergency:ask", "emergency:start"})
LEFT_ALONE = ("smalltalk:", "system:not_understood")
NOW = dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Case:
    lang: str
    audience: str
    expected: str
    text: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    node: str  # the node of the (last) reply
    offered: tuple[str, ...]  # flows offered by "did you mean"

    @property
    def kind(self) -> str:
        if self.node in ALARM_NODES:
            return "alarm"
        if self.node == "system:did_you_mean":
            return "did_you_mean"
        if self.node.startswith(LEFT_ALONE):
            return "smalltalk" if self.node.startswith("smalltalk:") else "not_understood"
        return "open"

    @property
    def correct(self) -> bool:
        expected = self.case.expected
        if expected in CRISIS:
            return self.kind == "alarm"
        if expected == "chat":
            return self.node.startswith(LEFT_ALONE)
        return self.kind != "alarm" and self.node.split(":")[0] == expected


@dataclass
class Figures:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def accuracy(self, lang: str | None = None, audience: str | None = None) -> float:
        items = [o for o in self.outcomes if (lang is None or o.case.lang == lang)
                 and (audience is None or o.case.audience == audience)]
        return sum(o.correct for o in items) / len(items) if items else 1.0

    def rate(self, kind: str, items: list[Outcome] | None = None) -> float:
        items = self.outcomes if items is None else items
        return sum(o.kind == kind for o in items) / len(items) if items else 0.0

    @property
    def crisis_cases(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.expected in CRISIS]

    @property
    def ordinary(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.expected not in CRISIS
                and o.case.expected != "emergency"]

    @property
    def chat(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.expected == "chat"]

    def crisis_recall(self) -> float:
        items = self.crisis_cases
        return sum(o.kind == "alarm" for o in items) / len(items) if items else 1.0

    def false_alarms(self) -> float:
        items = self.ordinary
        return sum(o.kind == "alarm" for o in items) / len(items) if items else 0.0

    def chat_left_alone(self) -> float:
        items = self.chat
        return sum(o.correct for o in items) / len(items) if items else 1.0

    def langs(self) -> list[str]:
        return sorted({o.case.lang for o in self.outcomes})


def load_cases(path: Path = CASES) -> list[Case]:
    with path.open(encoding="utf-8") as fh:
        return [Case(r["lang"], r["audience"], r["expected"], r["text"])
                for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def run_case(engine: Engine, case: Case) -> Outcome:
    lang = case.lang if case.lang in engine.languages() else "fr"
    turn = step(engine, State(lang=lang, lang_chosen=True, greeted=True), Text(case.text), NOW)
    reply = turn.replies[-1] if turn.replies else None
    node = reply.node if reply else ""
    offered: tuple[str, ...] = ()
    if node == "system:did_you_mean" and reply is not None:
        keys = engine.bundle.node_keys
        offered = tuple(keys[b.choice.node].split(":")[0]
                        for row in reply.buttons for b in row if isinstance(b.choice, Open))
    return Outcome(case, node, offered)


def evaluate(engine: Engine, cases: list[Case] | None = None) -> Figures:
    cases = load_cases() if cases is None else cases
    start = time.perf_counter()
    outcomes = [run_case(engine, c) for c in cases]
    return Figures(outcomes, time.perf_counter() - start)


def report(figures: Figures) -> str:
    out = figures.outcomes
    lines = ["", f"{'lang':<5} {'cases':>5} {'strict':>7} {'young':>7} {'pro':>7} "
             f"{'fallback':>9} {'did-you-mean':>12} {'crisis':>7} {'alarms':>7} {'chat ok':>8}"]

    def row(name: str, items: list[Outcome]) -> str:
        sub = Figures(items)
        young = [o for o in items if o.case.audience == "young"]
        pro = [o for o in items if o.case.audience == "pro"]
        def pct(xs: list[Outcome]) -> str:
            return f"{sum(o.correct for o in xs) / len(xs):>7.1%}" if xs else f"{'-':>7}"

        return (f"{name:<5} {len(items):>5} {sub.accuracy():>7.1%} {pct(young)} {pct(pro)} "
                f"{sub.rate('not_understood'):>9.1%} {sub.rate('did_you_mean'):>12.1%} "
                f"{sub.crisis_recall():>7.1%} {sub.false_alarms():>7.1%} "
                f"{sub.chat_left_alone():>8.1%}")

    for lang in figures.langs():
        lines.append(row(lang, [o for o in out if o.case.lang == lang]))
    lines.append(row("all", out))
    lines.append("")
    lines.append("strict: the expected flow opened (crisis: a crisis answer; chat: left alone); "
                 "fallback: \"not understood\"; crisis: recall on danger/suicide/runaway; "
                 "alarms: crisis answers to ordinary messages; chat ok: chat left alone")
    cat_ok = sum(o.node == f"emergency:{o.case.expected}" for o in figures.crisis_cases)
    asked = sum(o.node == "emergency:ask" for o in figures.crisis_cases)
    lines.append(f"crisis category right: {cat_ok}/{len(figures.crisis_cases)}; "
                 f"asked \"are you in danger now?\": {asked}")
    helped = sum(1 for o in out if o.kind == "did_you_mean" and o.case.expected in o.offered)
    lines.append(f"\"did you mean\" offering the right flow: {helped}/"
                 f"{sum(o.kind == 'did_you_mean' for o in out)}")
    lines.append(f"{len(out)} cases in {figures.seconds:.1f} s")
    confusion = Counter((o.case.expected, o.node.split(":")[0] if o.kind == "open" else o.kind)
                        for o in out if not o.correct)
    lines += ["", "Confusions (expected -> answered: count):"]
    lines += [f"  {e:<15} -> {g:<16} {n}" for (e, g), n in confusion.most_common(30)]
    lines += ["", "Wrong answers:"]
    for o in out:
        if not o.correct:
            got = o.node + (f" {list(o.offered)}" if o.offered else "")
            lines.append(f"  {o.case.lang:<3} {o.case.audience:<5} {o.case.expected:<14} "
                         f"got {got:<40} {o.case.text[:90]}")
    return "\n".join(lines)
