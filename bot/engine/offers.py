"""Language offers: the language menu, and switching when the user writes another language.

A message in another script (Arabic, Chinese, Cyrillic) offers the matching languages; words
that matched only another language's phrases add a switch button under the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .i18n import LANGS, language_name
from .state import Button, Choice, State

if TYPE_CHECKING:
    from .runtime import Engine

SCRIPTS: tuple[tuple[tuple[int, int], tuple[str, ...]], ...] = (
    ((0x0600, 0x06FF), ("ar", "fa", "ps")),
    ((0x4E00, 0x9FFF), ("zh",)),
    ((0x0400, 0x04FF), ("bg",)),
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


# -- events -----------------------------------------------------------------------------------


def switch_offer(engine: Engine, state: State, langs: frozenset[str]
                  ) -> list[tuple[Button, ...]]:
    """A row to switch language when the words matched only another language's phrases
    (a user writing English or Dutch to a bot speaking French)."""
    if not langs or state.lang in langs:
        return []
    offer = [c for c in LANGS if c in langs and c in engine.languages()][:2]
    return [tuple(Button("🌍 " + language_name(c), Choice("l", (c,))) for c in offer)]
