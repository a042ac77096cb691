"""Retries for Bot API calls: honour 429 ``retry_after``; back off on 5xx and network errors
— but never resend a request that may have taken effect.

aiogram has no built-in retry; this request middleware adds a bounded one. A ``sendMessage``
that timed out, or whose connection broke after it was written, may have been delivered:
sending it again would show the user the same message twice. So a method that is not
idempotent is retried only when the request surely did not take effect: a 429 (Telegram
refused it) or a connection that could not be opened (:class:`RequestNotSentError`). Idempotent
methods (deleting, answering a callback, setting the webhook or commands, reading) are
retried on 5xx and network errors too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

#: Bot API methods that can be repeated without a second effect.
IDEMPOTENT = frozenset({
    "deleteMessage", "deleteMessages", "answerCallbackQuery", "setWebhook", "deleteWebhook",
    "setMyCommands", "deleteMyCommands", "getMe", "getUpdates", "getWebhookInfo", "getChat",
    "getFile", "close", "logOut",
})


class RequestNotSentError(TelegramNetworkError):
    """The connection to the Bot API could not be opened: the request never left."""


class RetryMiddleware(BaseRequestMiddleware):
    """Retry a failed request up to ``attempts`` times in all.

    429: wait ``retry_after`` (capped at ``max_wait``) then retry. Connection not opened:
    wait ``base_delay * 2**n``. 5xx / other network errors (timeouts, broken connections):
    the same, for idempotent methods only. Any other error (400, 403 ...) is raised at once.
    """

    def __init__(self, attempts: int = 4, base_delay: float = 0.5, max_wait: float = 30.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.sleep = sleep

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        idempotent = method.__api_method__ in IDEMPOTENT
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                log.info("429 from Telegram: waiting %s s", exc.retry_after)
                await self.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts or not (idempotent
                                                    or isinstance(exc, RequestNotSentError)):
                    raise  # it may have been delivered: never send it twice
                delay = self.base_delay * 2 ** (attempt - 1)
                log.info("%s from Telegram: retry in %.1f s", type(exc).__name__, delay)
                await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
