"""Which language a typed message is written in: a character n-gram model trained on the
bot's own texts (catalogs, triggers, example sentences) in every language it speaks.

Measured on the project's texts, general-purpose identifiers miss Arabizi and Pidgin; a
model of the bot's own languages gets them (docs/architecture.md). It is used only where it
is reliable: messages of :data:`MIN_WORDS` words or more, with a clear margin.

Model: multinomial naive Bayes over character 1-3-grams of the lower-cased text (accents
kept: they tell French from Romanian and Vietnamese), with add-one smoothing. Training is
counting, a fraction of a second; scoring sums one row of log-probabilities per n-gram.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

MIN_WORDS = 4  # shorter messages are often a borrowed word ("sos", "nudes", "ok")
#: mean log-probability margin per n-gram between the best and the second language
MARGIN = 0.2
#: Digits stay: Arabizi writes letters with them (3 = ع, 7 = ح, 9 = ق).
_NOT_LETTERS = re.compile(r"[\W_]+")
#: Arabic written in Latin letters and digits (wa7ed, 3afak, n9tel): two such words decide,
#: since Latin-script languages with more text in the model (Somali) would otherwise win.
ARABIZI = re.compile(r"\b[a-z]*[a-z][2379][a-z]+\b|\b[2379][a-z]{2,}\b")
N = (1, 2, 3)


def _clean(text: str) -> str:
    return " " + " ".join(_NOT_LETTERS.sub(" ", text.lower()).split()) + " "


def _grams(text: str) -> list[str]:
    t = _clean(text)
    return [t[i:i + n] for n in N for i in range(len(t) - n + 1) if t[i:i + n].strip()]


@dataclass(frozen=True)
class Guess:
    lang: str
    margin: float  # per n-gram, against the runner-up
    ranked: tuple[str, ...]  # every language, most likely first


@dataclass(frozen=True)
class LanguageId:
    langs: tuple[str, ...]
    index: Mapping[str, int]
    logp: np.ndarray  # (n-grams, languages): log P(gram | language)
    unseen: np.ndarray  # (languages,): log P(a gram never seen in that language)

    @classmethod
    def train(cls, texts: Mapping[str, Iterable[str]]) -> LanguageId:
        langs = tuple(sorted(texts))
        counts = {lang: Counter(g for t in texts[lang] for g in _grams(t)) for lang in langs}
        vocab = sorted({g for c in counts.values() for g, n in c.items() if n >= 2})
        index = {g: i for i, g in enumerate(vocab)}
        table = np.ones((len(vocab), len(langs)), dtype=np.float32)
        totals = np.zeros(len(langs), dtype=np.float64)
        for j, lang in enumerate(langs):
            for g, n in counts[lang].items():
                i = index.get(g)
                if i is not None:
                    table[i, j] += n
            totals[j] = sum(counts[lang].values()) + len(vocab)
        logp = (np.log(table) - np.log(totals)[None, :]).astype(np.float32)
        unseen = (-np.log(totals)).astype(np.float32)
        return cls(langs, index, logp, unseen)

    def guess(self, text: str) -> Guess | None:
        grams = _grams(text[:600])
        rows = [self.index[g] for g in grams if g in self.index]
        if not rows or not self.langs:
            return None
        scores = self.logp[rows].sum(axis=0) + self.unseen * (len(grams) - len(rows))
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        second = float(scores[order[1]]) if len(order) > 1 else -math.inf
        return Guess(self.langs[int(order[0])], (best - second) / len(grams),
                     tuple(self.langs[int(i)] for i in order))

    def identify(self, text: str, n_words: int) -> str | None:
        """The message's language when it is long enough and clearly one language."""
        if n_words < MIN_WORDS:
            return None
        if "ar" in self.langs and len(ARABIZI.findall(text.lower())) >= 2:
            return "ar"
        guess = self.guess(text)
        return guess.lang if guess is not None and guess.margin >= MARGIN else None
