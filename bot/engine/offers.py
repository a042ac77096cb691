"""Language offers: the language menu, and switching when the user writes another language.

A message in another script (Arabic, Chinese, Cyrillic) offers the matching languages; words
that matched only another language's phrases add a switch button under the answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .choices import SetLanguage
from .i18n import LANGS, SOURCE_LANG, language_name
from .langid import MIN_WORDS
from .state import Button, State

if TYPE_CHECKING:
    from .compiled import Engine

SCRIPTS: tuple[tuple[tuple[int, int], tuple[str, ...]], ...] = (
    ((0x0600, 0x06FF), ("ar", "fa", "ps")),
    ((0x4E00, 0x9FFF), ("zh",)),
    ((0x0400, 0x04FF), ("uk", "bg")),
    ((0x1200, 0x139F), ("ti",)),  # Ge'ez (Ethiopic)
)


def language_buttons(engine: Engine, state: State) -> list[tuple[Button, ...]]:
    """The language menu: each language in its own name, "*" if not reviewed, "✓" current."""
    langs = engine.languages()
    buttons = []
    for code in langs:
        label = language_label(engine, code)
        if code == state.lang:
            label = "✓ " + label
        buttons.append(Button(label, SetLanguage(code)))
    return [tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3)]


def language_label(engine: Engine, code: str) -> str:
    """A language's own name, with "*" when no native speaker has reviewed its catalog."""
    label = language_name(code)
    if code != SOURCE_LANG and not engine.translator.reviewed.get(code, False):
        label += " *"
    return label


def script_langs(text: str) -> tuple[str, ...]:
    """Languages written in the script most of the text's letters use (empty for Latin)."""
    counts: dict[tuple[str, ...], int] = {}
    letters = 0
    for ch in text[:200]:
        if ch.isalpha():
            letters += 1
            code = ord(ch)
            for (lo, hi), langs in SCRIPTS:
                if lo <= code <= hi:
                    counts[langs] = counts.get(langs, 0) + 1
    if not counts or letters == 0:
        return ()
    langs, n = max(counts.items(), key=lambda kv: kv[1])
    return langs if n * 2 >= letters else ()


def _row(engine: Engine, codes: list[str], prefix: str = "") -> list[tuple[Button, ...]]:
    """One row of buttons switching to these languages (none when there are none)."""
    if not codes:
        return []
    return [tuple(Button(prefix + language_label(engine, c), SetLanguage(c)) for c in codes)]


def script_offer(engine: Engine, state: State, text: str) -> list[tuple[Button, ...]]:
    """The languages of the script the text is written in, when the user's is not one."""
    script = script_langs(text)
    if not script or state.lang in script:
        return []
    guess = engine.langid.guess(text)  # the likeliest first (Arabic, Persian or Pashto?)
    order = guess.ranked if guess is not None else script
    ranked = sorted((c for c in script if c in engine.languages()), key=order.index)
    return _row(engine, ranked)


def switch_offer(engine: Engine, state: State, langs: frozenset[str], text: str,
                 n_words: int) -> list[tuple[Button, ...]]:
    """A row to switch language when the user writes another language: the language the
    identifier recognises in a message of several words, or else the languages whose trigger
    phrases matched (a user writing English or Dutch to a bot speaking French), ranked by how
    much the message looks like each, at most two."""
    available = engine.languages()
    other = bool(langs) and state.lang not in langs
    if not text or (n_words < MIN_WORDS and not other):
        return []  # nothing to weigh: no model call on the common path
    guess = engine.langid.guess(text)  # once, for both uses below
    found = engine.langid.identify(text, n_words, guess)
    if found is not None:
        return _row(engine, [found], "🌍 ") if found != state.lang and found in available else []
    if not other:
        return []
    order = guess.ranked if guess is not None else LANGS
    ranked = sorted((c for c in langs if c in available),
                    key=lambda c: order.index(c) if c in order else len(order))
    return _row(engine, ranked[:2], "🌍 ")



#: A crisis message of at least this many words, matched by one other language's list only,
#: is answered in that language (shorter ones may be a borrowed word: "sos", "help").
CRISIS_SWITCH_WORDS = 4


def crisis_language(engine: Engine, state: State, langs: tuple[str, ...], text: str,
                    n_words: int) -> tuple[State, list[tuple[Button, ...]]]:
    """Answer a crisis in the language it was written in.

    When the crisis lists of the user's language did not match but another available
    language's did, and the message is clearly in it (its script, or a sentence of
    :data:`CRISIS_SWITCH_WORDS` words matched by that one language), the reply is rendered
    in that language with a button back to the previous one; otherwise the reply stays in
    the user's language with a button to switch.
    """
    if not langs or state.lang in langs:
        return state, []
    available = [c for c in LANGS if c in langs and c in engine.languages()]
    if not available:
        return state, []
    script = script_langs(text)
    in_script = [c for c in available if c in script]
    chosen = in_script[0] if in_script else (
        available[0] if len(available) == 1 and n_words >= CRISIS_SWITCH_WORDS else None)
    if chosen is None:
        return state, _row(engine, available[:2], "🌍 ")
    return replace(state, lang=chosen), _row(engine, [state.lang], "🌍 ")
