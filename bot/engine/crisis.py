"""Crisis detection: runs first on every typed message, in every language.

The word lists are content (``flows/safety/crisis.yaml``), reviewed like any text. A message
that matches a category is answered by the ``emergency:<category>`` node before anything
else. Phrases under ``ignore`` ("mort de rire") are removed first to keep false alarms low.
All languages' lists are checked whatever the user's language: a frightened user may type
in their own language while the bot speaks another. The whole message is read (up to
:data:`~bot.engine.text.MAX_INPUT` characters), and also its other readings
(:func:`~bot.engine.text.variants`: "sui-cide", "su1c1de", Arabic clitic prefixes).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import CrisisLists
from .text import Pattern, PhraseIndex, remove_phrases, variants, words

#: Checked in this order: the first category that matches wins.
CATEGORY_ORDER: tuple[str, ...] = ("danger", "suicide", "runaway", "forced")
#: "X forces me": danger, unless the message names forced criminality (stealing, selling
#: drugs, begging): then the trafficking flow answers (category "exploitation").
FORCED = "forced"
EXPLOITATION = "exploitation"
#: Categories answered by another node than ``emergency:<category>``.
ANSWERED_ELSEWHERE: dict[str, str] = {FORCED: "emergency:danger",
                                      EXPLOITATION: "trafficking:start"}


@dataclass(frozen=True)
class Detection:
    category: str
    langs: tuple[str, ...]  # languages whose lists matched for that category


@dataclass(frozen=True)
class CrisisDetector:
    order: tuple[str, ...]
    index: PhraseIndex  # key: "category|lang"
    ignore: tuple[Pattern, ...]
    ignore_index: PhraseIndex
    exploitation: PhraseIndex | None = None

    @classmethod
    def build(cls, lists: CrisisLists, known: frozenset[str] = frozenset()) -> CrisisDetector:
        ordered = [c for c in CATEGORY_ORDER if c in lists.categories]
        ordered += sorted(c for c in lists.categories if c not in CATEGORY_ORDER)
        entries = [(f"{cat}|{lang}", Pattern.compile(p)) for cat in ordered
                   for lang, lang_list in lists.categories[cat].items() for p in lang_list]
        ignore = tuple(Pattern.compile(p) for v in lists.ignore.values() for p in v)
        crime = [("x", Pattern.compile(p)) for v in lists.exploitation.values() for p in v]
        return cls(tuple(ordered), PhraseIndex(entries, known), ignore,
                   PhraseIndex([("ignore", p) for p in ignore], known),
                   PhraseIndex(crime, known) if crime else None)

    def detect(self, text: str, tokens: list[str] | None = None) -> str | None:
        """The crisis category the text signals, or None (``tokens``: ``words(text)``)."""
        found = self.scan(text, tokens)
        return found.category if found else None

    def scan(self, text: str, tokens: list[str] | None = None) -> Detection | None:
        """The category and the languages whose phrases matched, or None."""
        tokens = words(text) if tokens is None else tokens
        found: dict[str, set[str]] = {}
        for stream in (tokens, *variants(text, tokens)):
            for category, lang in self._hits(stream):
                found.setdefault(category, set()).add(lang)
        best = next((c for c in self.order if c in found), None)
        if best is None:
            return None
        langs = tuple(sorted(found[best]))
        if best == FORCED:
            crime = self.exploitation is not None and any(
                self.exploitation.find(s) for s in (tokens, *variants(text, tokens)))
            return Detection(EXPLOITATION if crime else "danger", langs)
        return Detection(best, langs)

    def _hits(self, tokens: list[str]) -> list[tuple[str, str]]:
        present = tuple(p for _, p in self.ignore_index.find(tokens))
        if present:
            tokens = remove_phrases(tokens, present)
            for p in present:  # scripts without spaces: cut the phrase out of the words
                if p.unspaced is not None:
                    tokens = [t.replace(p.unspaced, "|") if p.unspaced in t else t
                              for t in tokens]
        if not tokens:
            return []
        return [tuple(key.split("|", 1)) for key, _ in self.index.find(tokens)]  # type: ignore[misc]
