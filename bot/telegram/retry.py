"""Retries for Bot API calls: honour 429 ``retry_after``; back off on 5xx and network errors
— but never resend a request that may have taken effect, and never wait longer than the
update may.

:class:`Retry` wraps every call of :class:`bot.telegram.api.BotApi` with a bounded retry.
A ``sendMessage`` that timed out, or whose connection broke after it was written, may have
been delivered: sending it again would show the user the same message twice. So a method that is not
idempotent is retried only when the request surely did not take effect: a 429 (Telegram
refused it) or a connection that could not be opened (:class:`RequestNotSentError`). Idempotent
methods (deleting, answering a callback, setting the webhook or commands, reading) are
retried on 5xx and network errors too. A 5xx answer that is not the Bot API's (an HTML page
from a proxy: 502, 504) is a :class:`ProxyServerError`, under the same rule: the request
may or may not have reached Telegram.

How long to wait. Each update has a budget (:data:`UPDATE_BUDGET` seconds from its start,
:func:`update_budget`): the chat's lock in Redis lasts 30 s and Telegram waits for the
webhook's answer, so the retries of one update never wait past it. A ``retry_after`` that
fits is waited (only that chat's update waits: others run meanwhile); one that does not is
not waited at all — the message is given up with one log line, and the chat is remembered as
closed until ``retry_after`` is over: any call to it meanwhile (the error reply, the next
update) fails at once without reaching Telegram, so the flood control is honoured whatever
its length. Calls outside an update (start-up, the erase sweeper) wait up to ``max_wait``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from .api import NetworkError, RequestNotSentError, RetryAfterError, ServerError

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Bot API methods that can be repeated without a second effect.
IDEMPOTENT = frozenset({
    "deleteMessage", "deleteMessages", "answerCallbackQuery", "setWebhook", "deleteWebhook",
    "setMyCommands", "deleteMyCommands", "setMyDescription", "setMyShortDescription",
    "getMe", "getUpdates", "getWebhookInfo", "getChat", "getFile", "close", "logOut",
})
#: Seconds an update may spend, retries included (under the 30 s chat lock, and under the
#: time Telegram waits for a webhook's answer).
UPDATE_BUDGET = 20.0
FLOODED_LIMIT = 10_000  # chats remembered as closed by flood control (expired ones dropped)

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "bot_api_deadline", default=None)


@contextlib.contextmanager
def update_budget(seconds: float = UPDATE_BUDGET,
                  clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Within this block (one update), retries never wait past ``seconds`` from now."""
    token = _DEADLINE.set(clock() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class Retry:
    """Retry a failed request up to ``attempts`` times in all.

    429: wait ``retry_after`` if the update's budget (or ``max_wait``) allows, then retry;
    else give up at once. Connection not opened: wait ``base_delay * 2**n``. 5xx / other
    network errors (timeouts, broken connections): the same, for idempotent methods only.
    Any other error (400, 403 ...) is raised at once.
    """

    def __init__(self, attempts: int = 4, base_delay: float = 0.5, max_wait: float = 30.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        #: chat -> clock() until which Telegram refuses messages to it (429)
        self.flooded: dict[int | str, float] = {}

    def _may_wait(self, seconds: float) -> bool:
        if seconds > self.max_wait:
            return False
        deadline = _DEADLINE.get()
        return deadline is None or self.clock() + seconds <= deadline

    def _closed(self, chat: int | str | None) -> float:
        """Seconds left before Telegram takes messages to this chat again (0: now)."""
        if chat is None:
            return 0.0
        until = self.flooded.get(chat)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self.flooded[chat]
            return 0.0
        return left

    def _close(self, chat: int | str | None, seconds: float) -> None:
        if chat is None:
            return
        now = self.clock()
        if len(self.flooded) >= FLOODED_LIMIT:
            self.flooded = {c: t for c, t in self.flooded.items() if t > now}
        self.flooded[chat] = max(self.flooded.get(chat, 0.0), now + seconds)

    async def run(self, name: str, chat: int | str | None,
                  attempt_once: Callable[[], Awaitable[T]]) -> T:
        """``attempt_once()`` (one request of method ``name`` to ``chat``), tried again as
        the rules above allow."""
        idempotent = name in IDEMPOTENT
        for attempt in range(1, self.attempts + 1):
            left = self._closed(chat)
            if left:
                if not self._may_wait(left):
                    raise RetryAfterError(name, "flood control: not sent (the chat is closed for "
                                     "a while)", math.ceil(left))
                await self.sleep(left)
            try:
                return await attempt_once()
            except RetryAfterError as exc:
                self._close(chat, exc.retry_after)
                if attempt == self.attempts or not self._may_wait(exc.retry_after):
                    log.warning("429 from Telegram on %s: retry_after %s s is more than this "
                                "update may wait; given up", name, exc.retry_after)
                    raise
                log.info("429 from Telegram: waiting %s s", exc.retry_after)
                await self.sleep(exc.retry_after)
            except (ServerError, NetworkError) as exc:
                if attempt == self.attempts or not (idempotent
                                                    or isinstance(exc, RequestNotSentError)):
                    raise  # it may have been delivered: never send it twice
                delay = self.base_delay * 2 ** (attempt - 1)
                if not self._may_wait(delay):
                    raise
                log.info("%s from Telegram: retry in %.1f s", type(exc).__name__, delay)
                await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
