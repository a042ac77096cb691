"""A small multilingual topic classifier trained from the content: examples, triggers, titles.

Design (see docs/architecture.md, "Understanding typed text"):

- features: character 2-5-grams of the normalised text (spaces included, so word starts and
  ends count) and word 1-2-grams, hashed with CRC-32 (stable across processes, unlike
  ``hash()``), binary, each block L2-normalised; only the hashes seen in training are kept
  (a sorted array looked up with ``searchsorted``), so the model holds one weight row per
  feature that exists in the content, not 2^20;
- model: multinomial logistic regression (softmax), trained by mini-batch AdaGrad with L2
  regularisation, in numpy only (no scipy or scikit-learn: importing them costs ~120 MiB in
  the bot process); a fixed seed and a fixed order make training deterministic;
- training runs when the engine is built, from the bundle; the result may be kept in a cache
  file named by the SHA-256 of everything that shaped it (the training texts, their labels,
  :data:`VERSION` and the settings), so a cached model always matches the content it was
  trained on: change one example and the name changes, and a fresh model is trained.

Scoring one message is pure (no I/O): :meth:`Classifier.scores`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np

from .text import _fold

log = logging.getLogger(__name__)

VERSION = "1"  # change when features or training change: old cache files are then ignored
MAX_CHARS = 1500  # characters of a message the classifier reads (crisis lists read all)
MASK = (1 << 22) - 1
CHAR_N = (2, 3, 4, 5)
EPOCHS = 12
BATCH = 32
RATE = 0.5
L2 = 1e-5
SEED = 20261201


def _grams(text: str) -> tuple[list[int], list[int]]:
    """Hashed character n-grams and word 1-2-grams of a normalised text (distinct)."""
    padded = f" {text} "
    n = len(padded)
    crc = zlib.crc32
    if padded.isascii():  # one character, one byte: slicing the bytes gives the same grams
        raw = padded.encode()
        chars = {crc(raw[i:i + k]) & MASK for k in CHAR_N for i in range(max(n - k + 1, 0))}
    else:
        chars = {crc(padded[i:i + k].encode()) & MASK
                 for k in CHAR_N for i in range(max(n - k + 1, 0))}
    toks = text.split()
    wordset = {crc(b"w" + t.encode()) & MASK for t in toks}
    wordset.update(crc(b"b" + (a + " " + b).encode()) & MASK for a, b in pairwise(toks))
    return list(chars), list(wordset)


def featurize(text: str) -> tuple[list[int], list[float]]:
    """Hashed feature indices and their values for one message."""
    norm = _fold(text[:MAX_CHARS])
    chars, wordset = _grams(norm)
    out_i: list[int] = []
    out_v: list[float] = []
    if chars:
        v = 1.0 / math.sqrt(len(chars))
        out_i += chars
        out_v += [v] * len(chars)
    if wordset:
        v = 1.0 / math.sqrt(len(wordset))
        out_i += wordset
        out_v += [v] * len(wordset)
    return out_i, out_v


@dataclass(frozen=True)
class Classifier:
    classes: tuple[str, ...]
    vocab: np.ndarray  # sorted feature hashes seen in training (uint32)
    weights: np.ndarray  # (len(vocab), len(classes)) float32
    bias: np.ndarray  # (len(classes),) float32
    words: frozenset[str]  # normalised words of the training texts (the "known" words)
    key: str  # the hash of what it was trained on

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each class for ``text`` (softmax over the classes)."""
        if not self.classes:
            return {}
        idx, val = featurize(text)
        logits = self._bias64.copy()
        if idx and len(self.vocab):
            hashed = np.asarray(idx, dtype=np.uint32)
            pos = np.searchsorted(self.vocab, hashed)
            pos[pos >= len(self.vocab)] = 0
            found = self.vocab[pos] == hashed
            if found.any():
                rows = self.weights[pos[found]]
                logits = logits + (rows * np.asarray(val, dtype=np.float32)[found, None]
                                   ).sum(axis=0)
        logits -= logits.max()
        exp = np.exp(logits)
        probs = exp / exp.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}

    @cached_property
    def _bias64(self) -> np.ndarray:
        return self.bias.astype(np.float64)

    def nbytes(self) -> int:
        return int(self.vocab.nbytes + self.weights.nbytes + self.bias.nbytes)


def data_key(samples: Sequence[tuple[str, str, float]]) -> str:
    h = hashlib.sha256(f"v{VERSION} {EPOCHS} {BATCH} {RATE} {L2} {SEED} {MASK} {CHAR_N}"
                       .encode())
    for label, text, weight in samples:
        h.update(f"{label}\0{weight}\0{text}\n".encode())
    return h.hexdigest()


def _known_words(samples: Sequence[tuple[str, str, float]]) -> frozenset[str]:
    return frozenset(w for _, t, _ in samples for w in _fold(t).split())


def train(samples: Sequence[tuple[str, str, float]]) -> Classifier:  # noqa: PLR0915
    """Fit the model on ``(label, text, weight)`` samples. Deterministic."""
    key = data_key(samples)
    classes = tuple(sorted({label for label, _, _ in samples}))
    if not classes:
        return Classifier((), np.zeros(0, np.uint32), np.zeros((0, 0), np.float32),
                          np.zeros(0, np.float32), frozenset(), key)
    cidx = {c: i for i, c in enumerate(classes)}
    rows_i: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    for _, text, _ in samples:
        i, v = featurize(text)
        rows_i.append(np.asarray(i, dtype=np.uint32))
        rows_v.append(np.asarray(v, dtype=np.float32))
    lengths = np.array([len(r) for r in rows_i], dtype=np.int64)
    flat = np.concatenate(rows_i) if rows_i else np.zeros(0, np.uint32)
    vocab, inverse = np.unique(flat, return_inverse=True)
    values = np.concatenate(rows_v) if rows_v else np.zeros(0, np.float32)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    y = np.array([cidx[label] for label, _, _ in samples], dtype=np.int64)
    sw = np.array([w for _, _, w in samples], dtype=np.float32)
    # balance the classes: each class weighs as much in total, whatever its number of samples
    per_class = np.bincount(y, weights=sw, minlength=len(classes))
    sw = sw * (sw.sum() / len(classes)) / per_class[y]
    n_feat, n_cls = len(vocab), len(classes)
    weights = np.zeros((n_feat, n_cls), dtype=np.float32)
    bias = np.zeros(n_cls, dtype=np.float32)
    g2w = np.full((n_feat, n_cls), 1e-8, dtype=np.float32)
    g2b = np.full(n_cls, 1e-8, dtype=np.float32)
    rng = np.random.default_rng(SEED)
    n = len(samples)
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        for b0 in range(0, n, BATCH):
            batch = order[b0:b0 + BATCH]
            segs = [np.arange(starts[r], starts[r + 1]) for r in batch]
            which = np.concatenate(segs)
            owner = np.repeat(np.arange(len(batch)), lengths[batch])
            feats = inverse[which]
            vals = values[which]
            contrib = weights[feats] * vals[:, None]
            logits = np.zeros((len(batch), n_cls), dtype=np.float32)
            np.add.at(logits, owner, contrib)
            logits += bias
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(len(batch)), y[batch]] -= 1.0
            probs *= sw[batch, None] / len(batch)
            uniq, local = np.unique(feats, return_inverse=True)
            grad = np.zeros((len(uniq), n_cls), dtype=np.float32)
            np.add.at(grad, local, probs[owner] * vals[:, None])
            grad += L2 * weights[uniq]
            g2w[uniq] += grad * grad
            weights[uniq] -= RATE * grad / np.sqrt(g2w[uniq])
            gb = probs.sum(axis=0)
            g2b += gb * gb
            bias -= RATE * gb / np.sqrt(g2b)
    return Classifier(classes, vocab.astype(np.uint32), weights, bias,
                      _known_words(samples), key)


def _save(model: Classifier, path: Path) -> None:
    buf = io.BytesIO()
    np.savez(buf, vocab=model.vocab, weights=model.weights, bias=model.bias,
             classes=np.array(model.classes), key=np.array(model.key))
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def _load(path: Path, samples: Sequence[tuple[str, str, float]], key: str
          ) -> Classifier | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            return Classifier(tuple(str(c) for c in data["classes"]),
                              data["vocab"].astype(np.uint32),
                              data["weights"].astype(np.float32),
                              data["bias"].astype(np.float32), _known_words(samples), key)
    except (OSError, ValueError, KeyError):
        return None


def default_cache() -> Path | None:
    """Where trained models are kept: ``$BOT_MODEL_CACHE``, else ``.cache/`` in the project
    ("off" disables the cache)."""
    env = os.environ.get("BOT_MODEL_CACHE")
    if env == "off":
        return None
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".cache" / "models"


def load_or_train(samples: Sequence[tuple[str, str, float]],
                  cache: Path | None = None) -> Classifier:
    """The model for these samples: from the cache when its file is named by the same hash
    (and holds that hash), else trained now and cached. Cache failures only cost time."""
    key = data_key(samples)
    path = cache / f"understanding-{key[:24]}.npz" if cache else None
    if path is not None and path.exists():
        model = _load(path, samples, key)
        if model is not None:
            return model
    model = train(samples)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _save(model, path)
        except OSError as exc:  # a read-only image: train at each start
            log.info("model cache not written (%s)", exc)
    return model
