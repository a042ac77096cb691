"""The bot's Telegram profile at start-up: per language, private-chat commands, and never a
reason to stop the bot."""

from __future__ import annotations

from bot.engine import Engine
from bot.telegram.api import BotApi
from bot.telegram.profile import set_profile, telegram_code

from .fakes.session import RecordingSession

TOKEN = "123456:PROFILE-xxxxxxxxxxxxxxxxxxxxxx"


async def test_profile_in_every_language_telegram_accepts(engine: Engine) -> None:
    session = RecordingSession()
    failed = await set_profile(BotApi(TOKEN, session), engine)
    assert failed == 0
    codes = {p.get("language_code") for name, p in session.calls}
    assert None in codes and "nl" in codes and "ar" in codes and "uk" in codes
    assert "pcm" not in codes  # not an ISO 639-1 code: Pidgin readers get the default set
    commands = [p for name, p in session.calls if name == "SetMyCommands"]
    assert all(p["scope"]["type"] == "all_private_chats" for p in commands)
    descriptions = {p.get("language_code"): p["description"] for name, p in session.calls
                    if name == "SetMyDescription"}
    assert "112" in descriptions[None] and descriptions["nl"] != descriptions[None]
    shorts = [p["short_description"] for name, p in session.calls
              if name == "SetMyShortDescription"]
    assert all(len(s) <= 120 for s in shorts)


async def test_a_failing_profile_call_never_stops_start_up(engine: Engine) -> None:
    session = RecordingSession()
    error = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    for _ in range(3):
        session.queue("SetMyCommands", 500, error)
    session.queue("SetMyDescription", 400, {"ok": False, "error_code": 400,
                                            "description": "Bad Request: language"})
    failed = await set_profile(BotApi(TOKEN, session), engine)
    assert failed == 4
    assert len([n for n, _ in session.calls if n == "SetMyShortDescription"]) >= 10


def test_only_two_letter_codes_go_to_telegram() -> None:
    assert telegram_code("nl") == "nl" and telegram_code("pcm") is None
    assert telegram_code("zh") == "zh"
