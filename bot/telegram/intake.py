"""The webhook's door: whatever arrives, no 500, no traceback, nothing a user wrote in a log.

aiogram's :class:`SimpleRequestHandler` answers 500 (with a traceback in the log) to a
non-ASCII secret header (``compare_digest`` refuses non-ASCII text), to a body that is not
JSON and to an update that does not validate (pydantic's error quotes the input, so the end
of a message can reach the log). :class:`GuardedRequestHandler` replaces its ``handle``:

- the secret header must be ASCII, at most 256 characters, and equal (constant time) → else
  **401**;
- a body that is not a JSON object, or an update that does not validate → **200** and one log
  line (its size or its type and the number of errors; never a value), so Telegram does not
  deliver it again and again;
- an update of a type aiogram does not know → 200, logged by its type only
  (:class:`bot.telegram.observe.UpdateObserver`);
- while the update is handled, every id and string it carries is guarded
  (:func:`bot.logs.guarding`): a library's log line quoting one is withheld;
- an unexpected error → 200 and one line (the exception type and where), never the message.

Updates are still handled before the answer (``handle_in_background=False``, see
:mod:`bot.telegram.webhook`).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from ..logs import guarding

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_MAX = 256  # Telegram's limit for secret_token
_KIND = re.compile(r"^[a-z_]{1,40}$")
#: Fields whose values say nothing about anyone (and would withhold too many log lines).
NEUTRAL = frozenset({"type", "language_code", "mime_type", "status", "parse_mode"})


def kind_of(data: dict[str, Any]) -> str:
    """The update's type (its first field after ``update_id``), safe to log."""
    for key in data:
        if key != "update_id":
            return key if isinstance(key, str) and _KIND.match(key) else "?"
    return "none"


def personal_values(data: object, key: str = "") -> Iterator[object]:
    """Every id and text in a raw update (recursively): what a log must never show."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from personal_values(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from personal_values(v, key)
    elif isinstance(data, str):
        if key not in NEUTRAL:
            yield data
    elif isinstance(data, int) and not isinstance(data, bool) and (key.endswith("id")
                                                                   or key == "phone_number"):
        yield data


def where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of an exception (no values, no message)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def _ok() -> web.Response:
    return web.json_response({})


class GuardedRequestHandler(SimpleRequestHandler):
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str | None,
                 **data: Any) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False,
                         secret_token=secret_token, **data)

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token
        if len(given) > SECRET_MAX or not given.isascii():
            return False
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    async def handle(self, request: web.Request) -> web.Response:
        bot = self.bot
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), bot):
            return web.Response(body="Unauthorized", status=401)
        raw = await request.read()  # over client_max_size: aiohttp answers 413
        try:
            data = json.loads(raw)
        except ValueError:  # not JSON, or not UTF-8
            log.warning("webhook: a request body that is not JSON was dropped (%d bytes)",
                        len(raw))
            return _ok()
        if not isinstance(data, dict):
            log.warning("webhook: a request body that is not a JSON object was dropped")
            return _ok()
        with guarding(personal_values(data)):
            try:
                update = Update.model_validate(data, context={"bot": bot})
            except ValidationError as exc:
                log.warning("webhook: an update of type %s that does not validate was "
                            "dropped (%d error(s))", kind_of(data), exc.error_count())
                return _ok()
            try:
                result = await self.dispatcher.feed_update(bot, update, **self.data)
            except Exception as exc:  # the handlers catch their own: this is a bug
                log.error("webhook: an update of type %s failed (%s at %s)", kind_of(data),
                          type(exc).__name__, where(exc))
                return _ok()
        method = result if isinstance(result, TelegramMethod) else None  # not UNHANDLED
        return web.Response(body=self._build_response_writer(bot=bot, result=method))

    __call__ = handle
