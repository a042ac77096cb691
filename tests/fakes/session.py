"""A Bot API session that records calls and answers with canned JSON (no network).

Answers go through aiogram's own ``check_response``, so 429/403/5xx raise the real exceptions.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

CHAT = {"id": 4242, "type": "private", "first_name": "Test"}


def message_json(message_id: int, chat: dict[str, Any] | None = None, text: str = "x"
                 ) -> dict[str, Any]:
    return {"message_id": message_id, "date": 1700000000, "chat": chat or CHAT, "text": text,
            "from": {"id": 1, "is_bot": True, "first_name": "Bot", "username": "fwb_bot"}}


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.canned: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.next_id = 1000

    def queue(self, method: str, status: int, payload: dict[str, Any]) -> None:
        """Answer the next call of ``method`` with this HTTP status and JSON body."""
        self.canned.setdefault(method, []).append((status, payload))

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]

    def sent_texts(self) -> list[str]:
        return [str(p.get("text")) for name, p in self.calls if name == "SendMessage"]

    def _default(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        if name in ("SendMessage", "SendVenue"):
            self.next_id += 1
            chat = dict(CHAT, id=params.get("chat_id", CHAT["id"]))
            return {"ok": True, "result": message_json(self.next_id, chat,
                                                       str(params.get("text", "")))}
        if name == "GetMe":
            return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Bot",
                                           "username": "fwb_bot"}}
        return {"ok": True, "result": True}

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        api = method.__api_method__  # "sendMessage" -> "SendMessage", whatever the class
        name = api[:1].upper() + api[1:]
        params = method.model_dump(exclude_none=True)
        self.calls.append((name, params))
        if self.canned.get(name):
            status, payload = self.canned[name].pop(0)
        else:
            status, payload = 200, self._default(name, params)
        response = self.check_response(bot, method, status, json.dumps(payload))
        return response.result  # type: ignore[return-value]

    async def close(self) -> None:
        return None

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30, chunk_size: int = 65536,
                             raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        raise AssertionError("the bot must never download files")
        yield b""  # pragma: no cover


class SlowSession(RecordingSession):
    """A RecordingSession whose ``sendMessage`` takes ``delay`` seconds (a real network), with
    message ids from a shared counter (two bots, one chat: Telegram numbers messages once)."""

    def __init__(self, delay: float, counter: list[int] | None = None) -> None:
        super().__init__()
        self.delay = delay
        self.counter = counter if counter is not None else [1000]
        self.closed_at: int | None = None  # len(calls) when the session was closed

    def _default(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        if name in ("SendMessage", "SendVenue"):
            self.counter[0] += 1
            self.next_id = self.counter[0] - 1
        return super()._default(name, params)

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        if method.__api_method__ == "sendMessage":
            import asyncio

            await asyncio.sleep(self.delay)
        return await super().make_request(bot, method, timeout)

    async def close(self) -> None:
        if self.closed_at is None:
            self.closed_at = len(self.calls)
