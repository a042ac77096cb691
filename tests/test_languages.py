"""Languages: identification by the bot's own n-gram model, the review notice, the three
languages added for unaccompanied minors (Tigrinya, Somali, Ukrainian)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from bot.cli.evaluate import load_cases
from bot.dialog import Dialog
from bot.engine import Engine, Press, SetLanguage, Start, State, Text, command

from .helpers import Chat, labels


def test_identification_on_the_labelled_messages(engine: Engine) -> None:
    cases = [c for c in load_cases() if len(c.text.split()) >= 4]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong_switch = 0
    for case in cases:
        total[case.lang] += 1
        guess = engine.langid.guess(case.text)
        right[case.lang] += guess is not None and guess.lang == case.lang
        found = engine.langid.identify(case.text, len(case.text.split()))
        wrong_switch += found is not None and found != case.lang
    assert sum(right.values()) / sum(total.values()) >= 0.93
    assert all(right[lang] / total[lang] >= 0.7 for lang in total), right
    assert wrong_switch <= 0.01 * len(cases)  # offering the wrong language is rare


def test_arabizi_is_arabic(engine: Engine) -> None:
    assert engine.langid.identify("wa7ed rajel kbir kaysift liya msajat w bgha nt9abl m3ah", 10) \
        == "ar"
    assert engine.langid.identify("ok", 1) is None  # too short to decide


async def test_the_review_notice_is_said_once_and_never_before_an_emergency(
        dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(lang="nl", lang_chosen=True))
    await chat.send(Text("hij slaat me en ik ben bang, hij staat aan de deur"))
    assert chat.nodes[0].startswith("emergency:")
    assert "system:unreviewed" not in chat.nodes
    await chat.send(Start())
    assert chat.nodes == ["system:unreviewed", "start:start"]
    assert labels(chat.turn.replies[0])[:2] == ["Français", "English"]  # type: ignore[union-attr]
    await chat.send(Start())
    assert chat.nodes == ["start:start"]  # once
    await chat.send(Press(SetLanguage("fr")))
    assert "system:unreviewed" not in chat.nodes  # French is the source


@pytest.mark.parametrize("lang", ["ti", "so", "uk"])
async def test_new_languages_speak_their_language(dialog: Dialog, now: dt.datetime,
                                                  lang: str) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start(lang_hint=lang))
    assert chat.state is not None and chat.state.lang == lang
    assert chat.nodes == ["system:unreviewed", "start:start"]
    assert not any(r.fallback for r in chat.turn.replies)  # type: ignore[union-attr]
    await chat.send(command("/sos"))
    assert chat.nodes == ["emergency:start"] and "112" in chat.last.text
    assert not chat.last.fallback
    await chat.send(command("/saj 4700"))
    assert chat.nodes[-1] == "system:saj_dg" and not chat.last.fallback
    await chat.send(command("/language"))
    names = [label.removeprefix("✓ ").removesuffix(" *") for label in labels(chat.last)]
    assert {"ትግርኛ", "Soomaali", "Українська"} <= set(names)


async def test_geez_script_offers_tigrinya(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(lang="fr"))
    await chat.send(Text("ሰላም ሓገዝ የድልየኒ ኣሎ"))
    assert chat.nodes == ["system:language_offer"]
    assert labels(chat.last)[0].startswith("ትግርኛ")


async def test_commune_names_in_the_users_language(dialog: Dialog, now: dt.datetime) -> None:
    for lang, query, name in (("nl", "1000", "Brussel"), ("nl", "4000", "Luik"),
                              ("de", "4700", "Eupen"), ("fr", "1000", "Bruxelles")):
        chat = Chat(dialog, now, State(lang=lang, lang_chosen=True, review_told=lang))
        await chat.send(command(f"/saj {query}"))
        assert name in chat.last.text, (lang, chat.last.text[:80])
    from actions.logic import find_saj

    assert find_saj("9000", lang="nl")["communes"] == ["Gent"]
    assert find_saj("9000")["communes"] == ["Gand"]
