"""Readability of French texts for young readers (Kandel & Moles' adaptation of Flesch).

score = 207 - 1.015 * (words / sentences) - 73.6 * (syllables / words)

Higher is easier; about 60-70 reads as plain French, 80+ as easy. Syllables are counted as
groups of vowels, a final silent "e" not counted: good enough to compare messages and flows,
not a linguistic measure. Thresholds live in ``flows/readability.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"[.!?…]+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_VOWELS = re.compile(r"[aeiouyàâäéèêëîïôöûùüœæ]+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Figures:
    chars: int
    sentences: int
    words: int
    syllables: int
    longest_sentence: int

    @property
    def score(self) -> float:
        if not self.words:
            return 100.0
        return (207 - 1.015 * self.words / max(self.sentences, 1)
                - 73.6 * self.syllables / self.words)


def syllables(word: str) -> int:
    word = word.lower()
    if len(word) > 3 and word.endswith(("e", "es", "ent")) and not word.endswith(("ée", "ées")):
        word = re.sub(r"(e|es|ent)$", "", word)
    return max(1, len(_VOWELS.findall(word)))


def measure(text: str) -> Figures:
    text = _PLACEHOLDER.sub("X", text)
    sentences = [s for s in _SENTENCE.split(text) if _WORD.search(s)]
    counts = [len(_WORD.findall(s)) for s in sentences]
    words = _WORD.findall(text)
    return Figures(chars=len(text), sentences=len(sentences), words=len(words),
                   syllables=sum(syllables(w) for w in words),
                   longest_sentence=max(counts, default=0))


def combine(items: list[Figures]) -> Figures:
    return Figures(sum(f.chars for f in items), sum(f.sentences for f in items),
                   sum(f.words for f in items), sum(f.syllables for f in items),
                   max((f.longest_sentence for f in items), default=0))
