"""A Bot API transport that records calls and answers with canned JSON (no network).

Answers go through the client's own decoding (bot/telegram/api.py), so 429/403/5xx raise the
real exceptions. Calls are recorded by method name with a capital first letter
("SendMessage"), with their parameters as the JSON body carried them.
"""

from __future__ import annotations

import json
from typing import Any

from bot.telegram.api import BotApi

CHAT = {"id": 4242, "type": "private", "first_name": "Test"}


def message_json(message_id: int, chat: dict[str, Any] | None = None, text: str = "x"
                 ) -> dict[str, Any]:
    return {"message_id": message_id, "date": 1700000000, "chat": chat or CHAT, "text": text,
            "from": {"id": 1, "is_bot": True, "first_name": "Bot", "username": "fwb_bot"}}


class RecordingSession:
    def __init__(self) -> None:
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

    async def post(self, method: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        name = method[:1].upper() + method[1:]
        params = json.loads(body)
        self.calls.append((name, params))
        if self.canned.get(name):
            status, payload = self.canned[name].pop(0)
        else:
            status, payload = 200, self._default(name, params)
        return status, json.dumps(payload).encode()

    async def close(self) -> None:
        return None


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

    async def post(self, method: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        if method == "sendMessage":
            import asyncio

            await asyncio.sleep(self.delay)
        return await super().post(method, body, timeout)

    async def close(self) -> None:
        if self.closed_at is None:
            self.closed_at = len(self.calls)


def fake_bot(session: RecordingSession | None = None) -> BotApi:
    """A Bot API client talking to a recording session (no retries)."""
    return BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session or RecordingSession())
