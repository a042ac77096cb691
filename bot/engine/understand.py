"""Typed text to a flow: per-language triggers, typo-tolerant; unsure means "offer the menu".

The bot never guesses: one clear best flow opens it; several close ones are offered as
buttons; nothing means the "not understood" message with the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Bundle
from .text import Pattern, PhraseIndex, words

MAX_CHOICES = 3


NODE_BONUS = 0.5  # a phrase set on a node is more specific than one set on its flow


@dataclass(frozen=True)
class Match:
    target: str  # "flow:node"
    score: float
    langs: frozenset[str] = frozenset()  # languages whose phrases matched (any target)


@dataclass(frozen=True)
class Understanding:
    """Trigger patterns of every flow and language, compiled once per bundle."""

    index: PhraseIndex  # key: "flow:node|lang|level" (level: f for a flow's, n for a node's)

    @classmethod
    def build_from(cls, entries: list[tuple[str, Pattern]]) -> Understanding:
        return cls(PhraseIndex(entries))

    @classmethod
    def build(cls, bundle: Bundle, known: frozenset[str] = frozenset()) -> Understanding:
        entries = [
            (f"{flow.id}:{flow.start}|{lang}|f", Pattern.compile(phrase))
            for flow in bundle.flows.values()
            for lang, phrases in flow.triggers.items()
            for phrase in phrases
        ]
        entries += [
            (f"{node.key}|{lang}|n", Pattern.compile(phrase))
            for flow in bundle.flows.values()
            for node in flow.nodes.values()
            for lang, phrases in node.triggers.items()
            for phrase in phrases
        ]
        return cls(PhraseIndex(entries, known))

    def match(self, text: str, lang: str, audience: str | None,
              tokens: list[str] | None = None) -> list[Match]:
        """Flows whose triggers appear in ``text``, best first.

        Longer matching phrases weigh more; the user's language counts a little more than the
        others (people mix languages); flows of the user's audience are preferred.
        """
        tokens = words(text) if tokens is None else tokens
        if not tokens:
            return []
        scores: dict[str, float] = {}
        langs: set[str] = set()
        for key, pattern in self.index.find(tokens):
            target, trig_lang, level = key.split("|")
            langs.add(trig_lang)
            weight = max(len(pattern.tokens), len(pattern.unspaced or "") / 2)
            weight += 0.5 if trig_lang == lang else 0.0
            weight += NODE_BONUS if level == "n" else 0.0
            scores[target] = max(scores.get(target, 0.0), weight)
        # one entry per flow: its best target (a node's phrase beats its flow's start)
        best: dict[str, tuple[str, float]] = {}
        for target, score in scores.items():
            flow = target.split(":")[0]
            if flow not in best or score > best[flow][1]:
                best[flow] = (target, score)
        scores = dict(best.values())
        if audience:
            for target in scores:
                if target.startswith("pro_") == (audience == "pro"):
                    scores[target] += 0.25
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        found = frozenset(langs)
        return [Match(f, s, found) for f, s in ranked]


def decide(matches: list[Match]) -> tuple[str | None, list[str]]:
    """``(node, [])`` when one match is clearly best, ``(None, choices)`` otherwise."""
    if not matches:
        return None, []
    if len(matches) == 1 or matches[0].score - matches[1].score >= 1.0:
        return matches[0].target, []
    return None, [m.target for m in matches[:MAX_CHOICES]]
