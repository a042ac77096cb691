"""Right-to-left by construction: every line and label of every node reads right to left in
Arabic, Persian and Pashto, checked with the Unicode bidi algorithm's paragraph direction."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.engine import RTL_LANGS, Engine, State
from bot.engine.render import directional, in_brackets, line_direction
from bot.engine.screens import render_node

from .conftest import NOW


def _rtl_letters(text: str) -> bool:
    return line_direction("".join(c for c in text if c.isalpha())) == "rtl"


@pytest.mark.parametrize("lang", sorted(RTL_LANGS))
@pytest.mark.parametrize("when", [NOW, dt.datetime(2026, 1, 4, 1, 30, tzinfo=dt.UTC)])
def test_every_line_of_every_node_reads_right_to_left(engine: Engine, lang: str,
                                                      when: dt.datetime) -> None:
    wrong: list[str] = []
    for state in (State(lang=lang, back=("start:start",)),
                  State(lang=lang, audience="pro", back=("start:start",))):
        for key in engine.bundle.node_keys:
            node = engine.bundle.node(key)
            assert node is not None
            reply = render_node(engine, state, node, when)
            for line in reply.text.split("\n"):
                if _rtl_letters(line) and line_direction(line) != "rtl":
                    wrong.append(f"{key}: {line[:50]!r}")
            for row in reply.buttons:
                for button in row:
                    if _rtl_letters(button.label) and line_direction(button.label) != "rtl":
                        wrong.append(f"{key} [button]: {button.label!r}")
    assert wrong == []


def test_paragraph_direction_skips_isolated_runs() -> None:
    assert line_direction("\u2068Child Focus\u2069 مفتوح") == "rtl"
    assert line_direction("Child Focus مفتوح") == "ltr"
    assert line_direction("📞 123") is None
    assert directional("Écoute-Enfants : مفتوح\nhttps://x.be\nمرحبا", "ar").split("\n") == [
        "\u200fÉcoute-Enfants : مفتوح", "https://x.be", "\u200fمرحبا"]
    assert directional("Bonjour", "fr") == "Bonjour"


def test_lists_use_the_languages_own_comma_and_brackets() -> None:
    assert in_brackets(["مجاني", "دون ذكر الاسم"], "ar") == " (مجاني، دون ذكر الاسم)"
    assert in_brackets(["免费", "匿名"], "zh") == "（免费、匿名）"
    assert in_brackets(["gratuit", "anonyme"], "fr") == " (gratuit, anonyme)"


def test_latin_service_names_are_isolated_in_right_to_left_text(engine: Engine) -> None:
    contact = engine.bundle.directory.contacts["child_focus"]
    assert engine.renderer.field(contact, "name", "ar", NOW) == "\u2068Child Focus\u2069"
    assert engine.renderer.field(contact, "name", "fr", NOW) == "Child Focus"


@pytest.mark.parametrize("lang", sorted(RTL_LANGS))
def test_back_points_the_way_right_to_left_readers_go(engine: Engine, lang: str) -> None:
    label = engine.renderer.ui(lang, "back")
    assert "➡️" in label and "⬅️" not in label
