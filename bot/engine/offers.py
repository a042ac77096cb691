"""Language offers: the language menu, and switching when the user writes another language.

A message in another script (Arabic, Chinese, Cyrillic) offers the matching languages; words
that matched only another language's phrases add a switch button under the answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .i18n import LANGS, language_name
from .state import Button, Choice, State

if TYPE_CHECKING:
    from .runtime import Engine

SCRIPTS: tuple[tuple[tuple[int, int], tuple[str, ...]], ...] = (
    ((0x0600, 0x06FF), ("ar", "fa", "ps")),
    ((0x4E00, 0x9FFF), ("zh",)),
    ((0x0400, 0x04FF), ("bg", "uk")),
    ((0x1200, 0x137F), ("ti",)),
)


def language_buttons(engine: Engine, state: State) -> list[tuple[Button, ...]]:
    """The language menu: each language in its own name, "*" if not reviewed, "✓" current."""
    langs = engine.languages()
    buttons = []
    for code in langs:
        label = language_name(code)
        if code != "fr" and not engine.translator.reviewed.get(code, False):
            label += " *"
        if code == state.lang:
            label = "✓ " + label
        buttons.append(Button(label, Choice("l", (code,))))
    return [tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3)]


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


def _row(codes: list[str], prefix: str = "") -> list[tuple[Button, ...]]:
    """One row of buttons switching to these languages (none when there are none)."""
    if not codes:
        return []
    return [tuple(Button(prefix + language_name(c), Choice("l", (c,))) for c in codes)]


def script_offer(engine: Engine, state: State, text: str) -> list[tuple[Button, ...]]:
    """The languages of the script the text is written in, when the user's is not one."""
    script = script_langs(text)
    if not script or state.lang in script:
        return []
    return _row([c for c in script if c in engine.languages()])


def switch_offer(engine: Engine, state: State, langs: frozenset[str]
                  ) -> list[tuple[Button, ...]]:
    """A row to switch language when the words matched only another language's phrases
    (a user writing English or Dutch to a bot speaking French)."""
    if not langs or state.lang in langs:
        return []
    return _row([c for c in LANGS if c in langs and c in engine.languages()][:2], "🌍 ")


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
        return state, _row(available[:2], "🌍 ")
    return replace(state, lang=chosen), _row([state.lang], "🌍 ")
