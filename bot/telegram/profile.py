"""The bot's profile in Telegram, per language: commands, description, short description.

Cosmetic: every call is best effort. A failure (HTTP 500, a refused language code, a flood
limit) is logged once, by type, and start-up goes on: a profile text must never stop the bot.
Texts come from flows/common/ui.yaml, translated; Telegram takes two-letter ISO 639-1 codes
only, so languages without one (Nigerian Pidgin) see the default (French) profile.
"""

from __future__ import annotations

import logging
import re

from ..engine import SOURCE_LANG, Engine
from .api import BotApi

log = logging.getLogger(__name__)
COMMANDS = ("start", "menu", "help", "language", "sos", "saj", "privacy", "forget")
ISO_639_1 = re.compile(r"^[a-z]{2}$")
MAX_DESCRIPTION, MAX_SHORT, MAX_COMMAND = 512, 120, 256  # Telegram's limits


def telegram_code(lang: str) -> str | None:
    """The language_code Telegram accepts for a language (None: the default profile)."""
    return lang if ISO_639_1.match(lang) else None


async def set_profile(bot: BotApi, engine: Engine) -> int:
    """Set commands (private chats), description and short description in every language
    Telegram can show; returns how many calls failed (each logged, none raised)."""
    failed = 0
    ui = engine.renderer.ui
    for lang in engine.languages():
        code = None if lang == SOURCE_LANG else telegram_code(lang)
        if lang != SOURCE_LANG and code is None:
            continue  # no ISO 639-1 code: these users get the default profile
        if any(engine.translator.text(lang, engine.bundle.ui.get(k, ""))[1]
               for k in ("bot_description", "bot_short_description")):
            log.warning("the profile texts have no %s translation yet: that language shows "
                        "the default (French) profile", lang)
            continue
        calls = (
            ("setMyCommands", {"commands": [
                {"command": c, "description": ui(lang, f"cmd_{c}")[:MAX_COMMAND]}
                for c in COMMANDS], "scope": {"type": "all_private_chats"},
                "language_code": code}),
            ("setMyDescription", {"description": ui(lang, "bot_description")[:MAX_DESCRIPTION],
                                  "language_code": code}),
            ("setMyShortDescription", {
                "short_description": ui(lang, "bot_short_description")[:MAX_SHORT],
                "language_code": code}),
        )
        for method, params in calls:
            try:
                await bot.call(method, params)
            except Exception as exc:  # cosmetic: log and go on
                failed += 1
                log.warning("%s failed for %s (%s): the profile stays as it was", method,
                            code or "default", type(exc).__name__)
    return failed
