"""The webhook's door: whatever arrives, no 500, no traceback, nothing a user wrote in a log.

- the secret header must be ASCII, at most 256 characters, and equal (constant time) → else
  **401**;
- a body that is not a JSON object → **200** and one log line (its size, never a value), so
  Telegram does not deliver it again and again; so is an update whose fields do not validate
  (:mod:`bot.telegram.updates`, which also guards every id and text it carries while it is
  handled);
- an update of a type this bot does not know → 200, logged by its type only;
- an unexpected error → 200 and one line (the exception type and where), never the message
  (:meth:`bot.telegram.updates.Updates.feed` logs it).

The update is handled before the answer: if a replica dies mid-update, Telegram gets no 200
and delivers it again (:mod:`bot.telegram.webhook`). A callback query's answer rides on the
response (``{"method": "answerCallbackQuery", ...}``): one request less per press.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from .api import BotApi
from .updates import Updates

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_MAX = 256  # Telegram's limit for secret_token
EMPTY = b"{}"


def _json(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


class GuardedRequestHandler:
    def __init__(self, updates: Updates, bot: BotApi, secret_token: str | None) -> None:
        self.updates = updates
        self.bot = bot
        self.secret = (secret_token or "").encode()

    def verify_secret(self, given: str) -> bool:
        if not self.secret:
            return True
        if len(given) > SECRET_MAX or not given.isascii():
            return False
        return hmac.compare_digest(given.encode(), self.secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, "")):
            return web.Response(body="Unauthorized", status=401)
        raw = await request.read()  # over client_max_size: aiohttp answers 413
        try:
            data = json.loads(raw)
        except ValueError:  # not JSON, or not UTF-8
            log.warning("webhook: a request body that is not JSON was dropped (%d bytes)",
                        len(raw))
            return _json(EMPTY)
        if not isinstance(data, dict):
            log.warning("webhook: a request body that is not a JSON object was dropped")
            return _json(EMPTY)
        answer = await self.updates.feed(self.bot, data)
        if answer is None:
            return _json(EMPTY)
        return _json(json.dumps(answer, separators=(",", ":")).encode())

    __call__ = handle
