"""aiogram's HTTP session, leaner on the hot path: JSON bodies and keyboards encoded once.

Three things cost more than the rest of a ``sendMessage`` in aiogram's own session, and are
done differently here (measured in benchmarks/run.py, docs/performance.md):

- the form body: aiogram posts ``application/x-www-form-urlencoded`` and percent-encodes
  every byte of every field in Python; the Bot API takes JSON bodies as well (except for
  file uploads, which still go through aiogram's form), and ``json.dumps`` is C;
- the inline keyboards: aiogram walks each one recursively for every message; ours are
  immutable and shared (:mod:`bot.telegram.keyboards`), so each is encoded once;
- the reply: aiogram looks up ``Response[T]`` (a pydantic generic whose cache is weak, so
  the class is rebuilt, for milliseconds, after it is collected) and validates a parsed
  dict; here the class is kept and the JSON validated directly.

Field values are prepared by aiogram's own ``prepare_value`` (defaults, enums, dates), and
tests/test_telegram_adapter.py checks that both encodings carry the same request.
"""

from __future__ import annotations

import json
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientConnectorError, ClientError, ClientTimeout
from pydantic import ValidationError

from .keyboards import KEYBOARDS, Keyboards
from .retry import ProxyServerError, RequestNotSentError

ENCODED_LIMIT = 4096
JSON_HEADERS = {"Content-Type": "application/json"}


class OrientationSession(AiohttpSession):
    def __init__(self, keyboards: Keyboards = KEYBOARDS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keyboards = keyboards
        self._encoded: dict[int, tuple[object, str]] = {}
        self._responses: dict[Any, type[Response[Any]]] = {}

    def encoded_markup(self, bot: Bot, markup: object) -> str | None:
        """The JSON of one of our keyboards (encoded on first use), or None for others."""
        hit = self._encoded.get(id(markup))
        if hit is not None and hit[0] is markup:
            return hit[1]
        mine = self.keyboards.own(markup)
        if mine is None:
            return None
        text = self.json_dumps(self.prepare_value(mine.model_dump(warnings=False), bot=bot,
                                                  files={}, _dumps_json=False))
        if len(self._encoded) >= ENCODED_LIMIT:
            self._encoded.clear()
        self._encoded[id(markup)] = (markup, text)
        return text

    def encode(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The request as a JSON body, or None when it uploads a file (then a form is used).

        Like aiogram's form, fields that are None or empty are left out."""
        markup = getattr(method, "reply_markup", None)
        encoded = self.encoded_markup(bot, markup) if markup is not None else None
        files: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        dump = method.model_dump(warnings=False,
                                 exclude={"reply_markup"} if encoded is not None else None)
        for key, value in dump.items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":
                fields[key] = prepared
        if files:
            return None
        body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        if encoded is not None:
            body = f'{body[:-1]}{"," if fields else ""}"reply_markup":{encoded}}}'
        return body.encode()

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        body = self.encode(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            wait = ClientTimeout(total=self.timeout if timeout is None else timeout)
            async with session.post(url, data=body, headers=JSON_HEADERS, timeout=wait) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientConnectorError as e:  # no connection: the request surely did not leave
            raise RequestNotSentError(method=method, message=f"{type(e).__name__}: {e}") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method,
                                       message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(bot=bot, method=method, status_code=resp.status,
                                       content=raw_result)
        return cast(TelegramType, response.result)

    def check_response(self, bot: Bot, method: TelegramMethod[TelegramType],
                       status_code: int, content: str) -> Response[TelegramType]:
        """A successful reply validated straight from JSON; anything else (errors, flood
        control, undecodable replies) through aiogram's own checks and exceptions — except
        a 5xx that is not JSON, which is a :class:`ProxyServerError` (retried as any 5xx)."""
        if 200 <= status_code < 300:
            returning = method.__returning__
            response_type = self._responses.get(returning)
            if response_type is None:
                response_type = Response[returning]  # type: ignore[valid-type]
                self._responses[returning] = response_type
            try:
                response = response_type.model_validate_json(content, context={"bot": bot})
            except ValidationError:
                pass  # aiogram raises its own decode error below
            else:
                if response.ok:
                    return cast(Response[TelegramType], response)
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError:
            if status_code >= 500:  # an HTML page from a proxy: a server error all the same
                raise ProxyServerError(method=method, message=f"HTTP {status_code} that is "
                                       "not a Bot API answer (a proxy's error page)") from None
            raise
