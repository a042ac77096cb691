"""Typed text to a flow: per-language triggers, typo-tolerant; unsure means "offer the menu".

The bot never guesses: one clear best flow opens it; several close ones are offered as
buttons; nothing means the "not understood" message with the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Bundle
from .text import Pattern, PhraseIndex, words

MAX_CHOICES = 3


@dataclass(frozen=True)
class Match:
    flow: str
    score: float


@dataclass(frozen=True)
class Understanding:
    """Trigger patterns of every flow and language, compiled once per bundle."""

    index: PhraseIndex  # key: "flow|lang"

    @classmethod
    def build_from(cls, entries: list[tuple[str, Pattern]]) -> Understanding:
        return cls(PhraseIndex(entries))

    @classmethod
    def build(cls, bundle: Bundle) -> Understanding:
        return cls(PhraseIndex([
            (f"{flow.id}|{lang}", Pattern.compile(phrase))
            for flow in bundle.flows.values()
            for lang, phrases in flow.triggers.items()
            for phrase in phrases
        ]))

    def match(self, text: str, lang: str, audience: str | None) -> list[Match]:
        """Flows whose triggers appear in ``text``, best first.

        Longer matching phrases weigh more; the user's language counts a little more than the
        others (people mix languages); flows of the user's audience are preferred.
        """
        tokens = words(text)
        if not tokens:
            return []
        scores: dict[str, float] = {}
        for key, pattern in self.index.find(tokens):
            flow, _, trig_lang = key.partition("|")
            weight = max(len(pattern.tokens), len(pattern.unspaced or "") / 2)
            weight += 0.5 if trig_lang == lang else 0.0
            scores[flow] = max(scores.get(flow, 0.0), weight)
        if audience:
            for flow in scores:
                if flow.startswith("pro_") == (audience == "pro"):
                    scores[flow] += 0.25
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [Match(f, s) for f, s in ranked]


def decide(matches: list[Match]) -> tuple[str | None, list[str]]:
    """``(flow, [])`` when one match is clearly best, ``(None, choices)`` otherwise."""
    if not matches:
        return None, []
    if len(matches) == 1 or matches[0].score - matches[1].score >= 1.0:
        return matches[0].flow, []
    return None, [m.flow for m in matches[:MAX_CHOICES]]
