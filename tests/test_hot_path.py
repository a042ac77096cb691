"""What makes the hot path cheap must not change what users get: render memo, keyboards,
the Bot API client's JSON encoding and reply parsing (figures in docs/performance.md)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import Engine, GoTo, HelpNow, show
from bot.engine import encode as pack
from bot.engine.screens import render_node
from bot.engine.state import Button, Reply, State
from bot.telegram.api import (
    BadRequestError,
    DecodeError,
    ForbiddenError,
    ProxyServerError,
    RetryAfterError,
    ServerError,
    decode,
    encode,
)
from bot.telegram.keyboards import KEYBOARDS, Keyboards

from .fakes.session import RecordingSession, fake_bot, message_json


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


def test_keyboards_are_encoded_once_per_button_set_and_bounded() -> None:
    keyboards = Keyboards(limit=3)
    first = keyboards.markup(reply_with("a", "b"))
    assert first is keyboards.markup(reply_with("a", "b"))  # equal buttons, same encoding
    data = pack(HelpNow())
    assert first is not None and json.loads(first) == {"inline_keyboard": [
        [{"text": "a", "callback_data": data}], [{"text": "b", "callback_data": data}]]}
    for label in "cdef":
        keyboards.markup(reply_with(label))
    again = keyboards.markup(reply_with("a", "b"))
    assert again == first and again is not first  # cleared when full, encoded anew
    assert keyboards.markup(Reply("n", "t")) is None


def test_keyboard_json_has_links_copies_and_choices() -> None:
    markup = Keyboards().markup(Reply("n", "t", (
        (Button("Grooming", GoTo("v1", 3, 0)),),
        (Button("Site", url="https://childfocus.be"), Button("📋 103", copy="103")))))
    assert markup is not None and json.loads(markup) == {"inline_keyboard": [
        [{"text": "Grooming", "callback_data": pack(GoTo("v1", 3, 0))}],
        [{"text": "Site", "url": "https://childfocus.be"},
         {"text": "📋 103", "copy_text": {"text": "103"}}]]}


def test_button_hash_is_that_of_its_fields() -> None:
    a, b = Button("x", GoTo("v", 1, 0)), Button("x", GoTo("v", 1, 0))
    assert a == b and hash(a) == hash(b) and a is not b
    assert Button("x", url="https://a") != Button("x", url="https://b")


# -- the Bot API client: JSON bodies and answers ---------------------------------------------


def test_body_leaves_out_none_and_splices_the_encoded_keyboard() -> None:
    markup = KEYBOARDS.markup(reply_with("a"))
    body = encode({"chat_id": 42, "text": "Bonjour «é» 📞 \u2068103\u2069 \"q\"\n\\",
                   "protect_content": None}, markup)
    assert json.loads(body) == {"chat_id": 42, "text": "Bonjour «é» 📞 \u2068103\u2069 \"q\"\n\\",
                                "reply_markup": json.loads(markup or "")}
    assert "«é»".encode() in body  # UTF-8, not \u escapes: shorter bodies
    assert json.loads(encode({}, markup)) == {"reply_markup": json.loads(markup or "")}
    assert json.loads(encode({"a": None})) == {}


async def test_requests_carry_what_the_bot_api_expects() -> None:
    session = RecordingSession()
    bot = fake_bot(session)
    assert await bot.send_message(42, "Voir https://childfocus.be", protect=True) == 1001
    assert await bot.send_message(-100123, "x") == 1002
    await bot.edit_text(42, 7, "y", KEYBOARDS.markup(reply_with("a")))
    await bot.answer_callback("abc")
    assert await bot.delete_messages(42, [1, 2, 3]) is True
    assert await bot.send_venue(42, 50.46, 4.87, "SAJ", "Rue 1") == 1003
    assert session.calls == [
        ("SendMessage", {"chat_id": 42, "text": "Voir https://childfocus.be",
                         "protect_content": True, "link_preview_options": {"is_disabled": True}}),
        ("SendMessage", {"chat_id": -100123, "text": "x"}),
        ("EditMessageText", {"chat_id": 42, "message_id": 7, "text": "y", "reply_markup": {
            "inline_keyboard": [[{"text": "a", "callback_data": pack(HelpNow())}]]}}),
        ("AnswerCallbackQuery", {"callback_query_id": "abc"}),
        ("DeleteMessages", {"chat_id": 42, "message_ids": [1, 2, 3]}),
        ("SendVenue", {"chat_id": 42, "latitude": 50.46, "longitude": 4.87, "title": "SAJ",
                       "address": "Rue 1"})]


def test_answers_become_results_or_typed_errors() -> None:
    ok = json.dumps({"ok": True, "result": message_json(7)}).encode()
    assert decode("sendMessage", 200, ok)["message_id"] == 7
    with pytest.raises(RetryAfterError) as info:
        decode("sendMessage", 429, json.dumps({
            "ok": False, "error_code": 429, "description": "Too Many Requests",
            "parameters": {"retry_after": 3}}).encode())
    assert info.value.retry_after == 3
    with pytest.raises(ForbiddenError):
        decode("sendMessage", 403, json.dumps({
            "ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}).encode())
    with pytest.raises(BadRequestError, match="not modified"):
        decode("editMessageText", 400, json.dumps({
            "ok": False, "error_code": 400,
            "description": "Bad Request: message is not modified"}).encode())
    with pytest.raises(ServerError):
        decode("sendMessage", 500, json.dumps({"ok": False, "error_code": 500}).encode())
    with pytest.raises(ProxyServerError):
        decode("sendMessage", 502, b"<html>Bad Gateway</html>")
    with pytest.raises(DecodeError):
        decode("sendMessage", 200, b"<html>gateway</html>")
    with pytest.raises(DecodeError):
        decode("sendMessage", 200, b"\xff\xfe")


async def test_an_answer_without_a_message_id_is_an_error() -> None:
    session = RecordingSession()
    session.queue("SendMessage", 200, {"ok": True, "result": True})
    with pytest.raises(DecodeError, match="no message id"):
        await fake_bot(session).send_message(1, "x")


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
async def test_any_text_survives_the_json_body(text: str, protect: bool) -> None:
    """Unicode of every kind (RTL, zero-width, emoji, quotes, backslashes, control
    characters) reaches Telegram unchanged."""
    session = RecordingSession()
    markup = KEYBOARDS.markup(reply_with("«ok» \u200f"))
    await fake_bot(session).send_message(-42, text, markup, protect)
    decoded = session.calls[0][1]
    assert decoded["text"] == text
    assert decoded["reply_markup"]["inline_keyboard"][0][0]["text"] == "«ok» \u200f"
    assert decoded.get("protect_content") == (True if protect else None)
