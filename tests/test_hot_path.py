"""What makes the hot path cheap must not change what users get: render memo, keyboards,
the session's JSON encoding and reply parsing (figures in docs/performance.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, DeleteMessages, SendMessage, SendVenue
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import Engine, GoTo, HelpNow, show
from bot.engine.screens import render_node
from bot.engine.state import Button, Reply, State
from bot.telegram.keyboards import KEYBOARDS, Keyboards, build
from bot.telegram.session import OrientationSession

from .fakes.session import message_json


def brussels(hour: int, minute: int) -> dt.datetime:
    """A Monday of January in Brussels (UTC+1)."""
    return dt.datetime(2026, 1, 5, hour - 1, minute, tzinfo=dt.UTC)


# -- render memo --------------------------------------------------------------------------


def test_open_now_changes_at_the_minute_it_should(fresh_engine: Engine) -> None:
    """The 103 opens at 10:00: a reply memoized at 9:59 must not be served at 10:00."""
    before = show(fresh_engine, State(), "emergency:start", brussels(9, 59)).replies[0]
    again = show(fresh_engine, State(), "emergency:start", brussels(9, 59)).replies[0]
    after = show(fresh_engine, State(), "emergency:start", brussels(10, 0)).replies[0]
    assert again is before  # memoized within the minute
    assert before.text != after.text
    contact = fresh_engine.bundle.directory.contacts["ecoute_enfants"]
    card = fresh_engine.renderer.card(contact, "fr", brussels(10, 0))
    assert card in after.text and card not in before.text


def test_memo_depends_on_language_and_back_button(fresh_engine: Engine) -> None:
    now = brussels(14, 0)
    fr = show(fresh_engine, State(), "menu:young", now).replies[0]
    ar = show(fresh_engine, State(lang="ar"), "menu:young", now).replies[0]
    with_back = show(fresh_engine, State(back=("start:start",)), "menu:young", now).replies[0]
    assert fr.text != ar.text
    labels = [[b.label for b in row] for row in with_back.buttons]
    assert labels[-1] == [b.label for b in fr.buttons[-1]] == ["🚪 Quitter"]
    assert len(labels[-2]) == len(fr.buttons[-2]) + 1  # Back added to the navigation row


def test_replies_with_parameters_or_fallbacks_are_not_memoized(fresh_engine: Engine) -> None:
    """Nothing derived from a user (a commune typed, a place) is kept in the memo."""
    now = brussels(14, 1)
    node = fresh_engine.bundle.node("system:saj_found")
    assert node is not None
    reply = render_node(fresh_engine, State(), node, now,
                        params={"commune": "Jambes-secret", "saj": "SAJ de Namur"})
    assert "Jambes-secret" in reply.text
    assert all("Jambes-secret" not in r.text for r in fresh_engine.renders.values())
    assert reply not in fresh_engine.renders.values()


def test_memo_is_emptied_each_minute(fresh_engine: Engine) -> None:
    show(fresh_engine, State(), "menu:young", brussels(15, 0))
    show(fresh_engine, State(), "menu:pro", brussels(15, 0))
    assert len(fresh_engine.renders) >= 2
    show(fresh_engine, State(), "menu:young", brussels(15, 1))
    assert len(fresh_engine.renders) == 1


# -- keyboards ----------------------------------------------------------------------------


def reply_with(*labels: str) -> Reply:
    return Reply("n", "t", tuple((Button(label, HelpNow()),) for label in labels))


def test_keyboards_are_built_once_per_button_set_and_bounded() -> None:
    keyboards = Keyboards(limit=3)
    first = keyboards.markup(reply_with("a", "b"))
    assert first is keyboards.markup(reply_with("a", "b"))  # equal buttons, same markup
    assert first is not None and keyboards.own(first) is first
    assert keyboards.own(build(reply_with("a", "b"))) is None  # not one of the cached
    for label in "cdef":
        keyboards.markup(reply_with(label))
    assert keyboards.own(first) is None  # cleared when full
    assert keyboards.markup(Reply("n", "t")) is None


def test_button_hash_is_that_of_its_fields() -> None:
    a, b = Button("x", GoTo("v", 1, 0)), Button("x", GoTo("v", 1, 0))
    assert a == b and hash(a) == hash(b) and a is not b
    assert Button("x", url="https://a") != Button("x", url="https://b")


# -- session: JSON bodies -----------------------------------------------------------------


def form_fields(bot: Bot, method: Any) -> dict[str, Any]:
    """What aiogram's own session would post, decoded (JSON-typed fields parsed)."""
    payload = AiohttpSession().build_form_data(bot, method)()  # the body aiogram would send
    out: dict[str, Any] = {}
    for name, text in parse_qsl(payload.decode(), keep_blank_values=True):
        try:
            out[name] = json.loads(text)
        except ValueError:
            out[name] = text
    return out


def methods(markup: InlineKeyboardMarkup | None) -> list[Any]:
    return [
        SendMessage(chat_id=42, text="Bonjour «é» 📞 \u2068103\u2069 \"quoted\"\n\\",
                    reply_markup=markup, protect_content=True),
        SendMessage(chat_id=-100123, text="x", protect_content=None),
        AnswerCallbackQuery(callback_query_id="abc"),
        DeleteMessages(chat_id=42, message_ids=[1, 2, 3]),
        SendVenue(chat_id=42, latitude=50.46, longitude=4.87, title="SAJ", address="Rue 1"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_json_body_carries_what_aiogram_form_carries(index: int) -> None:
    keyboards = Keyboards()
    markup = keyboards.markup(Reply("n", "t", (
        (Button("Grooming", GoTo("v1", 3, 0)),),
        (Button("Site", url="https://childfocus.be"), Button("🆘", HelpNow())))))
    session = OrientationSession(keyboards=keyboards)
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    for method in (methods(markup)[index], methods(build(reply_with("z")))[index]):
        body = session.encode(bot, method)
        assert body is not None
        decoded = json.loads(body)
        expected = form_fields(bot, method)
        for key, value in decoded.items():  # the form sends booleans and numbers as text
            if not isinstance(value, dict | list | str):
                decoded[key] = json.loads(json.dumps(value))
        assert decoded == expected


def test_encoded_keyboard_is_reused_and_only_for_our_markups() -> None:
    keyboards = Keyboards()
    ours = keyboards.markup(reply_with("a"))
    session = OrientationSession(keyboards=keyboards)
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    first = session.encoded_markup(bot, ours)
    assert first is not None and session.encoded_markup(bot, ours) is first
    foreign = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="a",
                                                                          url="https://a")]])
    assert session.encoded_markup(bot, foreign) is None


# -- session: replies ---------------------------------------------------------------------


def test_successful_reply_is_parsed_straight_from_json() -> None:
    session = OrientationSession()
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    method = SendMessage(chat_id=42, text="x")
    raw = json.dumps({"ok": True, "result": message_json(7)})
    ours = session.check_response(bot, method, 200, raw).result
    theirs = AiohttpSession().check_response(bot, method, 200, raw).result
    assert isinstance(ours, Message) and ours == theirs and ours.message_id == 7
    assert ours.bot is bot  # bound like aiogram's, so message.answer() works


def test_error_replies_raise_aiogram_exceptions() -> None:
    session = OrientationSession()
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    method = SendMessage(chat_id=42, text="x")
    with pytest.raises(TelegramRetryAfter) as info:
        session.check_response(bot, method, 429, json.dumps({
            "ok": False, "error_code": 429, "description": "Too Many Requests",
            "parameters": {"retry_after": 3}}))
    assert info.value.retry_after == 3
    with pytest.raises(TelegramForbiddenError):
        session.check_response(bot, method, 403, json.dumps({
            "ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}))
    with pytest.raises(Exception, match="Failed to"):  # undecodable: aiogram's decode error
        session.check_response(bot, method, 200, "<html>gateway</html>")


def test_send_text_is_the_same_request_as_send_message_and_reads_the_id() -> None:
    from bot.telegram.methods import SendText

    keyboards = Keyboards()
    markup = keyboards.markup(reply_with("a", "b"))
    session = OrientationSession(keyboards=keyboards)
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    ours = SendText(chat_id=42, text="Salut 👋", reply_markup=markup, protect_content=True)
    theirs = SendMessage(chat_id=42, text="Salut 👋", reply_markup=markup, protect_content=True)
    assert ours.__api_method__ == theirs.__api_method__ == "sendMessage"
    body = session.encode(bot, ours)
    assert body is not None and json.loads(body) == {
        **form_fields(bot, theirs), "chat_id": 42, "protect_content": True}
    raw = json.dumps({"ok": True, "result": message_json(77)})
    assert session.check_response(bot, ours, 200, raw).result.message_id == 77


async def test_typed_words_are_not_kept_in_matching_caches(engine: Engine) -> None:
    """Caches speed up matching, but a name or a place someone types stays nowhere."""
    import gc

    from bot.engine import step
    from bot.engine.state import Text

    secret = "Zorglubetta"
    step(engine, State(), Text(f"je m'appelle {secret} et il menace de publier mes photos"),
         brussels(16, 0))
    leaks = [o for o in gc.get_objects() if isinstance(o, dict)
             and any(isinstance(k, str) and secret.lower() in k for k in list(o)[:100000])]
    assert leaks == []


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@given(st.text(alphabet="abcé", max_size=9), st.text(alphabet="abcé", max_size=9),
       st.sampled_from([1, 2]))
def test_typo_tolerance_is_exactly_edit_distance(a: str, b: str, limit: int) -> None:
    from bot.engine.text import within_one

    assert within_one(a, b, limit) == (levenshtein(a, b) <= limit)


@given(st.text(max_size=300), st.booleans())
def test_any_text_survives_the_json_body(text: str, protect: bool) -> None:
    """Unicode of every kind (RTL, zero-width, emoji, quotes, backslashes, control
    characters) reaches Telegram unchanged."""
    from bot.telegram.methods import SendText

    session = OrientationSession()
    bot = Bot("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session=session)
    markup = KEYBOARDS.markup(reply_with("«ok» \u200f"))
    body = session.encode(bot, SendText(chat_id=-42, text=text, reply_markup=markup,
                                        protect_content=protect or None))
    assert body is not None
    decoded = json.loads(body)
    assert decoded.get("text", "") == text
    assert decoded["reply_markup"]["inline_keyboard"][0][0]["text"] == "«ok» \u200f"
    assert decoded.get("protect_content") == (True if protect else None)
