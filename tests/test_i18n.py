"""Thirteen languages: complete catalogs, placeholders, no French left, RTL, switching."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import catalogs
from bot.dialog import Dialog
from bot.engine import Engine, SetLanguage
from bot.engine.i18n import LANGS, RTL_LANGS, Translator, language_name, normalize_lang
from bot.engine.problems import Report
from bot.engine.render import FSI, PDI
from bot.engine.screens import render_node
from bot.engine.state import Command, Press, Start, State, Text

from .conftest import ROOT
from .helpers import Chat, labels

OTHERS = [lang for lang in LANGS if lang != "fr"]


def test_every_language_has_a_compiled_catalog(translator: Translator) -> None:
    assert set(translator.available()) == set(LANGS)


@pytest.mark.parametrize("lang", OTHERS)
def test_catalog_is_complete_and_placeholders_match(lang: str) -> None:
    report = Report()
    catalogs.check_catalogs(ROOT / "flows", ROOT / "locales", report, langs=(lang,))
    assert [str(p) for p in report.errors] == []


@pytest.mark.parametrize("lang", OTHERS)
def test_catalog_says_whether_a_native_speaker_reviewed_it(lang: str) -> None:
    _, headers = catalogs.load_po(catalogs.po_path(ROOT / "locales", lang))
    assert headers["X-Native-Review"] in ("yes", "no")


@pytest.mark.parametrize("lang", OTHERS)
def test_start_and_menus_contain_no_french_sentence(engine: Engine, lang: str,
                                                   now: dt.datetime) -> None:
    state = State(lang=lang, audience="young", back=("start:start",))
    for key in ("start:start", "menu:young", "menu:pro", "emergency:start", "system:help",
                "system:privacy"):
        node = engine.bundle.node(key)
        assert node is not None
        reply = render_node(engine, state, node, now)
        french = render_node(engine, State(back=("start:start",)), node, now)
        assert not reply.fallback, f"{lang} {key}"
        assert reply.text != french.text, f"{lang} {key}"
        # the automatic rows (navigation, quick exit) end every young people's screen
        ours = [b.label for row in reply.buttons[-2:] for b in row]
        theirs = [b.label for row in french.buttons[-2:] for b in row]
        assert theirs == ["⬅️ Retour", "🏠 Accueil", "🆘 Aide maintenant", "🚪 Quitter"]
        assert len(ours) == 4 and all(a != b for a, b in zip(ours, theirs, strict=True)), ours


@pytest.mark.parametrize("lang", sorted(RTL_LANGS))
def test_right_to_left_text_isolates_numbers(engine: Engine, lang: str,
                                            now: dt.datetime) -> None:
    node = engine.bundle.node("emergency:start")
    assert node is not None
    reply = render_node(engine, State(lang=lang), node, now)
    assert reply.text.startswith("\u200f")  # right-to-left mark: the paragraph reads RTL
    assert f"{FSI}112{PDI}" in reply.text and f"{FSI}103{PDI}" in reply.text


async def test_language_switch_keeps_the_position(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start())
    await chat.press("Je suis un ou une jeune")
    await chat.press("On me fait du chantage")
    assert chat.nodes == ["sextortion:start"]
    await chat.send(Command("language"))
    await chat.send(Press(SetLanguage("ar")))
    # said once, in Arabic: the translation is not reviewed yet (then the same screen)
    assert chat.nodes == ["system:unreviewed", "sextortion:start"]
    assert chat.state is not None and chat.state.lang == "ar" and chat.state.lang_chosen
    assert chat.last.text.startswith("\u200f")


async def test_telegram_language_code_is_used_on_first_contact(dialog: Dialog,
                                                               now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start(lang_hint="nl-BE"))
    assert chat.state is not None and chat.state.lang == "nl"
    chosen = Chat(dialog, now, State(lang="de", lang_chosen=True))
    await chosen.send(Start(lang_hint="nl"))
    assert chosen.state is not None and chosen.state.lang == "de"  # the user's choice wins


async def test_other_script_offers_to_switch(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(lang="fr"))
    await chat.send(Text("مرحبا أريد المساعدة"))
    assert chat.nodes == ["system:language_offer"]
    offered = [label.removesuffix(" *") for label in labels(chat.last)]
    assert offered[:3] == ["العربية", "فارسی / دری", "پښتو"]  # Arabic first: it is Arabic
    persian = Chat(dialog, now, State(lang="fr"))
    await persian.send(Text("سلام من کمک میخواهم لطفا"))
    assert labels(persian.last)[0].removesuffix(" *") == "فارسی / دری"
    assert all(label.endswith(" *") for label in labels(chat.last)[:3])  # not reviewed yet


def test_language_names_are_written_in_the_language() -> None:
    assert language_name("nl") == "Nederlands"
    assert language_name("ar") == "العربية"
    assert language_name("zh").startswith("中文")
    assert normalize_lang("zh-Hans") == "zh" and normalize_lang("prs") == "fa"
    assert normalize_lang("pt-BR") is None and normalize_lang(None) is None


def test_missing_translation_falls_back_visibly_and_is_counted(engine: Engine,
                                                              now: dt.datetime) -> None:
    translator = Translator(catalogs=dict(engine.translator.catalogs))
    text, fell_back = translator.text("nl", "Une phrase qui n'existe dans aucun catalogue.")
    assert fell_back and text.startswith("Une phrase")
    assert sum(translator.misses.values()) == 1
    bare = Engine.build(engine.bundle, Translator())  # no catalog at all: French, no crash
    node = engine.bundle.node("start:start")
    assert node is not None
    reply = render_node(bare, State(lang="fr"), node, now)
    assert "Bonjour" in reply.text


def test_the_review_flag_reads_the_header_not_comments(tmp_path: Path) -> None:
    folder = tmp_path / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = (ROOT / "locales" / "nl" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    (folder / "messages.po").write_text(po, encoding="utf-8")
    (folder / "messages.mo").write_bytes(
        (ROOT / "locales" / "nl" / "LC_MESSAGES" / "messages.mo").read_bytes())
    assert Translator.load(tmp_path).reviewed["nl"] is False
    (folder / "messages.po").write_text(
        po.replace("X-Native-Review: no", "X-Native-Review: yes"), encoding="utf-8")
    assert Translator.load(tmp_path).reviewed["nl"] is True


async def test_unreviewed_languages_are_marked_in_the_menu(dialog: Dialog,
                                                           now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Command("language"))
    marked = [label for label in labels(chat.last) if label.endswith(" *")]
    assert len(marked) == len(OTHERS)


async def test_words_of_another_latin_language_offer_to_switch(dialog: Dialog,
                                                                now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(lang="fr", audience="young"))
    await chat.send(Text("he is blackmailing me with my pictures"))
    assert chat.nodes == ["sextortion:start"]  # the answer comes at once, in French
    assert "🌍 English *" in labels(chat.last)
    assert not any("ትግርኛ" in label for label in labels(chat.last))  # ranked by evidence
    french = Chat(dialog, now, State(lang="fr", audience="young"))
    await french.send(Text("il me fait du chantage"))
    assert not any(label.startswith("🌍") for label in labels(french.last))
