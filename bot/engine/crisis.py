"""Crisis detection: runs first on every typed message, in every language.

The word lists are content (``flows/safety/crisis.yaml``), reviewed like any text. A message
that matches a category is answered by the ``emergency:<category>`` node before anything
else. Phrases under ``ignore`` ("mort de rire") are removed first to keep false alarms low.
All languages' lists are checked whatever the user's language: a frightened user may type
in their own language while the bot speaks another.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import CrisisLists
from .text import Pattern, PhraseIndex, remove_phrases, words

#: Checked in this order: the first category that matches wins.
CATEGORY_ORDER: tuple[str, ...] = ("danger", "suicide", "runaway")


@dataclass(frozen=True)
class CrisisDetector:
    order: tuple[str, ...]
    index: PhraseIndex
    ignore: tuple[Pattern, ...]
    ignore_index: PhraseIndex

    @classmethod
    def build(cls, lists: CrisisLists, known: frozenset[str] = frozenset()) -> CrisisDetector:
        ordered = [c for c in CATEGORY_ORDER if c in lists.categories]
        ordered += sorted(c for c in lists.categories if c not in CATEGORY_ORDER)
        entries = [(cat, Pattern.compile(p)) for cat in ordered
                   for lang_list in lists.categories[cat].values() for p in lang_list]
        ignore = tuple(Pattern.compile(p) for v in lists.ignore.values() for p in v)
        return cls(tuple(ordered), PhraseIndex(entries, known), ignore,
                   PhraseIndex([("ignore", p) for p in ignore], known))

    def detect(self, text: str, tokens: list[str] | None = None) -> str | None:
        """The crisis category the text signals, or None (``tokens``: ``words(text)``)."""
        tokens = words(text) if tokens is None else tokens
        present = tuple(p for _, p in self.ignore_index.find(tokens))
        if present:
            tokens = remove_phrases(tokens, present)
        if not tokens:
            return None
        found = {category for category, _ in self.index.find(tokens)}
        return next((c for c in self.order if c in found), None)
