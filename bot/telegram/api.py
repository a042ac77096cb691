"""The Bot API client: JSON in, JSON out, and only the fields the bot reads.

The bot calls a dozen Bot API methods with flat parameters (a chat id, a text, a keyboard
encoded once) and reads one thing back (a message id, or ``True``). A general framework
builds a validated model for each request and each answer and imports a model for every type
of the Bot API at start-up; this client does neither (docs/architecture.md, "Why not
aiogram"): a request is a ``dict`` dumped to JSON, an answer is ``json.loads``.

Errors are typed by what the caller must do about them (:class:`TelegramError` and its
subclasses); :class:`bot.telegram.retry.Retry` decides what is tried again. Each attempt is
reported to the ``watchers`` (health and metrics, :mod:`bot.telegram.observe`).

The network sits behind :class:`Transport` (``post(method, body) -> (status, body)``):
:class:`HttpTransport` in production, a recording one in the tests (tests/fakes/session.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import (
    ClientConnectorError,
    ClientError,
    ClientSession,
    ClientTimeout,
    DummyCookieJar,
    TCPConnector,
)

if TYPE_CHECKING:
    from .retry import Retry

DEFAULT_BASE = "https://api.telegram.org"
TIMEOUT = 60.0  # seconds for one request (getUpdates adds its own long-poll time)
#: A link in a text: Telegram would add a preview card of its first link. Never wanted here:
#: a thumbnail of a helpline's site tells anyone glancing at the phone what the chat is about.
NO_PREVIEW = {"is_disabled": True}


class TelegramError(Exception):
    """A Bot API call failed. ``method``: the Bot API method; the message is Telegram's
    description (it never quotes a user's text: Telegram describes the request, not its
    content), or the transport's."""

    def __init__(self, method: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.method = method
        self.status = status

    def __str__(self) -> str:
        return f"{self.method}: {self.args[0]}"


class BadRequestError(TelegramError):
    """400: the request is wrong for Telegram (a message too old to edit, "not modified")."""


class UnauthorizedError(TelegramError):
    """401: the token is not a bot's token (revoked, mistyped)."""


class ForbiddenError(TelegramError):
    """403: the user blocked the bot (or the bot may not write to that chat)."""


class ConflictError(TelegramError):
    """409: another process polls with this token, or a webhook is set while polling."""


class RetryAfterError(TelegramError):
    """429: flood control; nothing may be sent to that chat for ``retry_after`` seconds."""

    def __init__(self, method: str, message: str, retry_after: int, status: int = 429) -> None:
        super().__init__(method, message, status)
        self.retry_after = retry_after


class ServerError(TelegramError):
    """5xx from the Bot API: the request may or may not have taken effect."""


class ProxyServerError(ServerError):
    """A 5xx answer that is not the Bot API's JSON (an HTML error page from a proxy)."""


class NetworkError(TelegramError):
    """No answer: a timeout, or a connection that broke after the request was written (it
    may have been delivered)."""


class RequestNotSentError(NetworkError):
    """The connection to the Bot API could not be opened: the request never left."""


class DecodeError(TelegramError):
    """An answer that is not the Bot API's JSON (and not a server error)."""


#: Failures that say nothing came back from Telegram itself (any other error is an answer).
UNREACHED = (NetworkError, ServerError, DecodeError)

_BY_STATUS: dict[int, type[TelegramError]] = {
    400: BadRequestError, 401: UnauthorizedError, 403: ForbiddenError,
    404: UnauthorizedError, 409: ConflictError,
}


def _error(method: str, status: int, data: dict[str, Any]) -> TelegramError:
    code = data.get("error_code")
    code = code if isinstance(code, int) else status
    description = str(data.get("description") or f"HTTP {status}")
    parameters = data.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
        return RetryAfterError(method, description, int(retry_after), code)
    if code >= 500:
        return ServerError(method, description, code)
    return _BY_STATUS.get(code, TelegramError)(method, description, code)


def decode(method: str, status: int, raw: bytes) -> Any:
    """The ``result`` of a Bot API answer, or the error it stands for."""
    try:
        data = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8
        data = None
    if not isinstance(data, dict):
        if status >= 500:  # a proxy's error page: a server error all the same
            raise ProxyServerError(method, f"HTTP {status} that is not a Bot API answer "
                                   "(a proxy's error page)", status)
        raise DecodeError(method, f"HTTP {status}: an answer that is not the Bot API's JSON",
                          status)
    if data.get("ok") is True and 200 <= status < 300:
        return data.get("result")
    raise _error(method, status, data)


def encode(params: dict[str, Any], markup: str | None = None) -> bytes:
    """A JSON body: ``None`` fields left out, ``markup`` (already JSON) spliced in."""
    body = json.dumps({k: v for k, v in params.items() if v is not None},
                      ensure_ascii=False, separators=(",", ":"))
    if markup is not None:
        body = f'{body[:-1]}{"," if len(body) > 2 else ""}"reply_markup":{markup}}}'
    return body.encode()


def preview(text: str) -> dict[str, bool] | None:
    """Link preview options for a text: disabled when it carries a link."""
    return NO_PREVIEW if "http" in text or "www." in text else None


class Transport(Protocol):
    async def post(self, method: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        """POST a JSON body to a method; the HTTP status and the answer's bytes."""

    async def close(self) -> None: ...


class HttpTransport:
    """The Bot API over HTTP (aiohttp): one connection pool, JSON bodies."""

    def __init__(self, token: str, base: str = DEFAULT_BASE, limit: int = 100) -> None:
        self.prefix = f"{base.rstrip('/')}/bot{token}/"
        self.limit = limit
        self._session: ClientSession | None = None
        self._timeouts: dict[float, ClientTimeout] = {}

    async def post(self, method: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            # no cookie jar: the Bot API sets no cookies
            self._session = ClientSession(connector=TCPConnector(limit=self.limit),
                                          headers={"Content-Type": "application/json"},
                                          cookie_jar=DummyCookieJar())
        wait = self._timeouts.get(timeout)
        if wait is None:
            wait = self._timeouts[timeout] = ClientTimeout(total=timeout)
        try:
            async with self._session.post(self.prefix + method, data=body,
                                          timeout=wait) as resp:
                return resp.status, await resp.read()
        except TimeoutError as exc:
            raise NetworkError(method, "request timeout") from exc
        except ClientConnectorError as exc:  # no connection: the request surely did not leave
            raise RequestNotSentError(method, type(exc).__name__) from exc
        except ClientError as exc:
            raise NetworkError(method, type(exc).__name__) from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


#: Called after each attempt: the method, and the error (None when Telegram answered ok).
Watcher = Callable[[str, BaseException | None], None]


class BotApi:
    """The methods this bot calls, each one JSON request; retries by ``retry``."""

    def __init__(self, token: str, transport: Transport | None = None, *,
                 base: str = DEFAULT_BASE, retry: Retry | None = None,
                 timeout: float = TIMEOUT) -> None:
        self.token = token
        self.transport: Transport = transport or HttpTransport(token, base)
        self.retry = retry
        self.timeout = timeout
        self.watchers: list[Watcher] = []

    async def call(self, method: str, params: dict[str, Any], *, markup: str | None = None,
                   timeout: float | None = None) -> Any:
        """Call a Bot API method; its ``result``. Raises :class:`TelegramError`."""
        body = encode(params, markup)
        wait = self.timeout if timeout is None else timeout
        if self.retry is None:
            return await self._attempt(method, body, wait)
        chat = params.get("chat_id")
        return await self.retry.run(method, chat if isinstance(chat, int | str) else None,
                                    lambda: self._attempt(method, body, wait))

    async def _attempt(self, method: str, body: bytes, timeout: float) -> Any:
        try:
            status, raw = await self.transport.post(method, body, timeout)
            result = decode(method, status, raw)
        except Exception as exc:
            for watch in self.watchers:
                watch(method, exc)
            raise
        for watch in self.watchers:
            watch(method, None)
        return result

    async def close(self) -> None:
        await self.transport.close()

    # -- the methods ---------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        me = await self.call("getMe", {})
        return me if isinstance(me, dict) else {}

    async def send_message(self, chat_id: int, text: str, markup: str | None = None,
                           protect: bool = False) -> int:
        """Send a plain text (no parse mode); the new message's id."""
        sent = await self.call("sendMessage", {
            "chat_id": chat_id, "text": text, "protect_content": True if protect else None,
            "link_preview_options": preview(text)}, markup=markup)
        return _message_id("sendMessage", sent)

    async def edit_text(self, chat_id: int, message_id: int, text: str,
                        markup: str | None = None) -> None:
        await self.call("editMessageText", {
            "chat_id": chat_id, "message_id": message_id, "text": text,
            "link_preview_options": preview(text)}, markup=markup)

    async def send_venue(self, chat_id: int, latitude: float, longitude: float, title: str,
                         address: str) -> int:
        sent = await self.call("sendVenue", {
            "chat_id": chat_id, "latitude": latitude, "longitude": longitude, "title": title,
            "address": address})
        return _message_id("sendVenue", sent)

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> bool:
        return bool(await self.call("deleteMessages", {"chat_id": chat_id,
                                                       "message_ids": list(message_ids)}))

    async def answer_callback(self, callback_query_id: str) -> None:
        await self.call("answerCallbackQuery", {"callback_query_id": callback_query_id})

    async def set_webhook(self, url: str, secret_token: str,
                          allowed_updates: Sequence[str]) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token,
                                       "allowed_updates": list(allowed_updates)})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook", {"drop_pending_updates": False})

    async def get_updates(self, offset: int, timeout: int, allowed_updates: Sequence[str],
                          limit: int = 100) -> list[Any]:
        """Long polling: the updates from ``offset`` on, waiting up to ``timeout`` s."""
        got = await self.call("getUpdates", {
            "offset": offset, "timeout": timeout, "limit": limit,
            "allowed_updates": list(allowed_updates)}, timeout=timeout + self.timeout)
        return got if isinstance(got, list) else []


def _message_id(method: str, result: Any) -> int:
    """The id of the message Telegram answered with (the rest of it is not read)."""
    if isinstance(result, dict):
        value = result.get("message_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise DecodeError(method, "the answer carries no message id")
