"""Text normalisation and typo-tolerant phrase matching, shared by triggers and crisis lists.

Text and patterns are lower-cased, accents and zero-width characters removed, punctuation
turned into spaces. A pattern matches when its words appear next to each other in the text;
``word*`` matches any word starting with ``word``; words of :data:`FUZZY_MIN` letters or more
tolerate one typo (two from :data:`FUZZY2_MIN`; a ``stem*`` of 6 letters or more, one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

FUZZY_MIN = 6
FUZZY2_MIN = 10
MAX_INPUT = 4096  # characters looked at (a whole Telegram message); longer input is cut
_NON_WORD = re.compile(r"[^\w*]+", re.UNICODE)
_INVISIBLE = dict.fromkeys(
    i for i in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E, 0x200F,
                0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)
)
# Arabic-script letters that have several forms (Arabic vs Persian yeh/kaf, hamza seats)
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه",
                       "’": "'", "ʼ": "'", "œ": "oe", "æ": "ae", "ß": "ss"})


#: Every combining mark (accents once text is decomposed), dropped in one ``translate``.
_COMBINING = dict.fromkeys(c for c in range(0x300, 0x10000) if unicodedata.combining(chr(c)))


def normalize(text: str) -> str:
    """Lower-case, fold accents and variants, drop invisible characters, keep word chars."""
    return _fold(text[:MAX_INPUT])


def _fold(text: str) -> str:
    text = text.translate(_INVISIBLE).lower().translate(_FOLD)
    if not text.isascii():  # ASCII has nothing to decompose
        text = unicodedata.normalize("NFKD", text).translate(_COMBINING)
    return " ".join(_NON_WORD.sub(" ", text.replace("*", " ")).split())


_JOINERS = re.compile(r"(?<=\w)[-._*]+(?=\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "€": "e"})
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9])\w+\b|\w*[@$€]\w*")
#: Arabic conjunction/preposition/future prefixes written joined to the next word
#: (wa-, fa-, li-, sa-, sa'-): "سأنتحر" is "سـ" + "أنتحر".
_CLITICS = ("وس", "فس", "و", "ف", "ل", "س")
_ARABIC = re.compile("[\u0600-\u06ff]")


def variants(text: str, tokens: list[str]) -> list[list[str]]:
    """Other readings of a typed text, for the crisis lists: hyphens, dots or stars inside
    words removed ("sui-cide"), leetspeak digits read as letters ("su1c1de"), Arabic clitic
    prefixes split off. Empty when the text has none of these."""
    out: list[list[str]] = []
    text = text[:MAX_INPUT]
    joined = _JOINERS.sub("", text) if _JOINERS.search(text) else text
    lowered = joined.lower()
    leet = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), lowered) \
        if _LEET_WORD.search(lowered) else lowered
    if leet != text.lower():
        alt = words(leet)
        if alt != tokens:
            out.append(alt)
    if _ARABIC.search(text):
        stripped = [_strip_clitic(t) for t in tokens]
        if stripped != tokens:
            out.append(stripped)
    return out


def _strip_clitic(token: str) -> str:
    if len(token) < 4 or not _ARABIC.match(token):
        return token
    for prefix in _CLITICS:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix):]
    return token


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The distinct words of many texts, normalized as typed text is (no length limit)."""
    distinct = set(" ".join(texts).split())  # most words repeat: fold each one once
    return frozenset(_fold(" ".join(distinct)).split())


def words(text: str) -> list[str]:
    return normalize(text).split()


def within_one(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance between a and b is at most ``limit`` (1 or 2).

    A shared prefix and suffix do not change the distance, so they are stripped first; what
    is left is usually a letter or two (one edit leaves at most one letter on each side).
    """
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return False
    n = min(la, lb)
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    j = 0
    while j < n - i and a[la - 1 - j] == b[lb - 1 - j]:
        j += 1
    a, b = a[i:la - j], b[i:lb - j]
    la, lb = len(a), len(b)
    if not la or not lb:
        return max(la, lb) <= limit
    if limit == 1:  # one substitution, or two neighbours swapped (Damerau/OSA)
        return (la == 1 and lb == 1) or (la == 2 and lb == 2 and a == b[::-1])
    # optimal string alignment: a swapped pair of neighbours counts as one edit
    before: list[int] = []
    previous = list(range(lb + 1))
    for r, ca in enumerate(a, 1):
        current = [r]
        best = r
        for c, cb in enumerate(b, 1):
            value = min(previous[c] + 1, current[c - 1] + 1, previous[c - 1] + (ca != cb))
            if r > 1 and c > 1 and ca == b[c - 2] and a[r - 2] == cb:
                value = min(value, before[c - 2] + 1)
            current.append(value)
            best = min(best, value)
        if best > limit:
            return False
        before, previous = previous, current
    return previous[-1] <= limit


_UNSPACED = re.compile("[\u4e00-\u9fff\u3040-\u30ff\u0e00-\u0e7f]")


def is_unspaced(text: str) -> bool:
    """Whether the text is in a script written without spaces (Chinese, Japanese, Thai)."""
    return _UNSPACED.search(text) is not None


@dataclass(frozen=True)
class Pattern:
    """A compiled phrase: its words, each maybe a prefix (``word*``).

    Phrases in scripts written without spaces match as substrings of the unspaced text.
    """

    source: str
    tokens: tuple[tuple[str, bool], ...]
    unspaced: str | None = None  # the phrase without spaces, for unspaced scripts

    @classmethod
    @lru_cache(maxsize=32768)
    def compile(cls, phrase: str) -> Pattern:
        raw = phrase[:MAX_INPUT].lower().split()
        tokens = []
        for token in raw:
            prefix = token.endswith("*")
            for part in normalize(token).split():
                tokens.append((part, False))
            if prefix and tokens:
                tokens[-1] = (tokens[-1][0], True)
        joined = "".join(t for t, _ in tokens)
        return cls(phrase, tuple(tokens), joined if is_unspaced(joined) else None)

    def matches(self, text_words: list[str]) -> bool:
        unspaced = self.unspaced
        if unspaced is not None:
            return unspaced in "".join(text_words)
        return any(self.matches_at(text_words, i) for i in range(len(text_words)))

    def matches_at(self, text_words: list[str], i: int) -> bool:
        """Whether the phrase matches the words starting at position ``i``."""
        tokens = self.tokens
        n = len(tokens)
        if n == 0 or i + n > len(text_words):
            return False
        for k in range(n):  # noqa: SIM110 (a loop, not all(): runs for every candidate)
            if not _word_match(tokens[k], text_words[i + k]):
                return False
        return True


def _fuzzy(pattern: str, word: str) -> bool:
    """Whether a typed word is a tolerated typo of a phrase word (not cached: the typed
    word would stay in memory)."""
    if len(pattern) >= FUZZY2_MIN:
        return within_one(pattern, word, 2)
    if len(pattern) >= FUZZY_MIN:
        return within_one(pattern, word, 1)
    return False


def _word_match(token: tuple[str, bool], word: str) -> bool:
    pattern, prefix = token
    if word == pattern:
        return True
    if prefix:  # a stem ("suicid*") tolerates one typo in its letters, whatever its length
        return word.startswith(pattern) or (
            len(pattern) >= FUZZY_MIN and within_one(pattern, word[: len(pattern)], 1)
        )
    return word == pattern or _fuzzy(pattern, word)


def remove_phrases(text_words: list[str], phrases: tuple[Pattern, ...]) -> list[str]:
    """Drop every occurrence of the given phrases (exact words) from the word list."""
    out = list(text_words)
    for phrase in phrases:
        toks = [t for t, _ in phrase.tokens]
        n = len(toks)
        if not n:
            continue
        i = 0
        while i + n <= len(out):
            if all(_word_match((toks[k], False), out[i + k]) for k in range(n)):
                del out[i:i + n]
                out.insert(i, "|")
            else:
                i += 1
    return out


def _limit(token: str) -> int:
    if len(token) >= FUZZY2_MIN:
        return 2
    return 1 if len(token) >= FUZZY_MIN else 0


def deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` characters from it."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _prefix_limit(stem: str) -> int:
    return 1 if len(stem) >= FUZZY_MIN else 0


def _word_depth(word: str) -> int:
    """Deletions to try on a typed word so that every tolerated typo is found."""
    if len(word) >= FUZZY2_MIN - 2:
        return 2
    return 1 if len(word) >= FUZZY_MIN - 1 else 0


Entry = tuple[str, Pattern]


class PhraseIndex:
    """Finds which of many phrases occur in a text without trying each phrase everywhere.

    Phrases are indexed by their first word: exact words and prefixes (``word*``) with their
    deletion neighbourhoods, which cover the typo tolerance (symmetric-delete lookup). Every
    candidate is then verified with the full rule, so the result is exactly that of
    :meth:`Pattern.matches` on each phrase.
    """

    #: Typed words remembered with their candidate phrases: only words close to a phrase
    #: word, or words of the bot's own content (``known``). Anything else a user types (a
    #: name, a place) is looked up and forgotten.
    CACHE_SIZE = 50_000

    def __init__(self, entries: list[Entry], known: frozenset[str] = frozenset()) -> None:
        self._cache: dict[str, tuple[Entry, ...]] = {}
        self.known = known
        self.pairs: dict[tuple[str, str], list[Entry]] = {}  # two short exact first words
        self.exact: dict[str, list[Entry]] = {}
        self.prefix: dict[int, dict[str, list[Entry]]] = {}  # prefix length -> variant -> ...
        self.longest = 0  # longest indexed first word: longer typed words cannot match it
        self.unspaced: list[Entry] = []
        for key, pattern in entries:
            if not pattern.tokens:
                continue
            if pattern.unspaced is not None:
                self.unspaced.append((key, pattern))
                continue
            first, is_prefix = pattern.tokens[0]
            if len(pattern.tokens) >= 2 and all(
                    not pre and _limit(tok) == 0 for tok, pre in pattern.tokens[:2]):
                # phrases starting with common short words ("je veux", "il me"): the pair is
                # far more selective than the first word alone
                self.pairs.setdefault((first, pattern.tokens[1][0]), []).append(
                    (key, pattern))
                continue
            target = self.prefix.setdefault(len(first), {}) if is_prefix else self.exact
            if not is_prefix:
                self.longest = max(self.longest, len(first))
            for variant in deletions(first, _prefix_limit(first) if is_prefix
                                     else _limit(first)):
                target.setdefault(variant, []).append((key, pattern))

    def _candidates(self, word: str) -> tuple[Entry, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: dict[tuple[str, int], Entry] = {}  # the same phrase may serve several keys
        # at most two typos: a word more than two letters longer than every indexed word
        # matches none of them (and a long run of letters would explode the deletions)
        if len(word) <= self.longest + 2:
            for variant in deletions(word, _word_depth(word)):
                for entry in self.exact.get(variant, ()):
                    found[(entry[0], id(entry[1]))] = entry
        for length, bucket in self.prefix.items():
            for variant in deletions(word[:length], 1 if length >= FUZZY_MIN else 0):
                for entry in bucket.get(variant, ()):
                    found[(entry[0], id(entry[1]))] = entry
        result = tuple(found.values())
        if result or word in self.known:  # what people type is not kept
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()  # bounded memory; common words come back quickly
            self._cache[word] = result
        return result

    def find(self, text_words: list[str]) -> list[Entry]:
        """Every (key, pattern) whose phrase occurs in the words (each once)."""
        hits: dict[tuple[str, str], Entry] = {}
        last = len(text_words) - 1
        seen: dict[str, tuple[Entry, ...]] = {}  # this message only: repeated words
        for i, word in enumerate(text_words):
            candidates = seen.get(word)
            if candidates is None:
                candidates = seen[word] = self._candidates(word)
            if i < last and self.pairs:
                candidates += tuple(self.pairs.get((word, text_words[i + 1]), ()))
            for key, pattern in candidates:
                if (key, pattern.source) not in hits and pattern.matches_at(text_words, i):
                    hits[(key, pattern.source)] = (key, pattern)
        if self.unspaced:
            joined = "".join(text_words)
            for key, pattern in self.unspaced:
                if pattern.unspaced is not None and pattern.unspaced in joined:
                    hits[(key, pattern.source)] = (key, pattern)
        return list(hits.values())
