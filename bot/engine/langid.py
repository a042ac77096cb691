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

import hashlib
import io
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VERSION = "1"  # change when features or training change: cached models are then ignored
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

    def identify(self, text: str, n_words: int, guess: Guess | None = None) -> str | None:
        """The message's language when it is long enough and clearly one language.
        ``guess``: :meth:`guess` of the same text, when the caller has it already."""
        if n_words < MIN_WORDS:
            return None
        if "ar" in self.langs and len(ARABIZI.findall(text.lower())) >= 2:
            return "ar"
        guess = guess or self.guess(text)
        return guess.lang if guess is not None and guess.margin >= MARGIN else None


def texts_key(texts: Mapping[str, Iterable[str]]) -> str:
    """A hash of everything the model is trained on (and of :data:`VERSION`)."""
    digest = hashlib.sha256(VERSION.encode())
    for lang in sorted(texts):
        digest.update(b"\x00" + lang.encode())
        for text in texts[lang]:
            digest.update(b"\x01" + text.encode())
    return digest.hexdigest()


def load_or_train(texts: Mapping[str, list[str]], cache: Path | None) -> LanguageId:
    """The model for these texts: from the cache when named (and stamped) by the same hash,
    else trained now (about a second) and cached. Cache failures only cost time."""
    key = texts_key(texts)
    path = cache / f"langid-{key[:24]}.npz" if cache else None
    if path is not None and path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) == key:
                    vocab = [str(g) for g in data["vocab"]]
                    return LanguageId(tuple(str(x) for x in data["langs"]),
                                      {g: i for i, g in enumerate(vocab)},
                                      data["logp"], data["unseen"])
        except (OSError, ValueError, KeyError):
            pass
    model = LanguageId.train(texts)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            np.savez(buf, langs=np.array(model.langs), vocab=np.array(list(model.index)),
                     logp=model.logp, unseen=model.unseen, key=np.array(key))
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only image: train at each start
    return model
