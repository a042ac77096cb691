"""An in-repo fake Telegram Bot API server (aiohttp), for end-to-end tests over real HTTP.

It serves the methods the bot uses, keeps what the bot sent, and lets a test act as a user
(queue messages and button presses that the bot receives through getUpdates or a webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

BOT_USER = {"id": 1, "is_bot": True, "first_name": "FWB", "username": "fwb_test_bot"}
USER = {"id": 555001, "is_bot": False, "first_name": "Test", "language_code": "fr"}
CHAT = {"id": 555001, "type": "private", "first_name": "Test"}


class FakeBotAPI:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.offsets: list[int] = []  # the offset of each getUpdates
        self.next_update = 1
        self.next_message = 100
        self.fail_next: dict[str, list[tuple[int, dict[str, Any] | str]]] = {}
        self._new_update = asyncio.Event()
        self._new_sent = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = 0

    # -- acting as a user ---------------------------------------------------------------------

    def user_message(self, text: str) -> None:
        self.next_message += 1
        self._push({"message": {"message_id": self.next_message, "date": 1700000000,
                                "chat": CHAT, "from": USER, "text": text}})

    def user_press(self, data: str, message_id: int = 1) -> None:
        self._push({"callback_query": {"id": f"q{self.next_update}", "from": USER,
                                       "chat_instance": "fake", "data": data,
                                       "message": {"message_id": message_id,
                                                   "date": 1700000000,
                                                   "chat": CHAT, "from": BOT_USER,
                                                   "text": "x"}}})

    def _push(self, payload: dict[str, Any]) -> None:
        self.updates.append({"update_id": self.next_update, **payload})
        self.next_update += 1
        self._new_update.set()

    async def wait_sent(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until the bot has sent ``count`` messages in all; return them."""
        async def _wait() -> None:
            while len(self.sent) < count:
                self._new_sent.clear()
                await self._new_sent.wait()
        await asyncio.wait_for(_wait(), timeout)
        return self.sent

    # -- server -----------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data: dict[str, Any] = await request.json()
            return data
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            text = value if isinstance(value, str) else ""
            try:
                out[key] = json.loads(text) if text[:1] in "[{" else text
            except ValueError:
                out[key] = text
        return out

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        params = await self._params(request)
        queued = self.fail_next.get(method)
        if queued:
            status, body = queued.pop(0)
            if isinstance(body, str):  # a proxy's error page, not the Bot API's JSON
                return web.Response(text=body, status=status, content_type="text/html")
            return web.json_response(body, status=status)
        result: Any = True
        if method == "getMe":
            result = BOT_USER
        elif method == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.offsets.append(offset)
            timeout = min(float(params.get("timeout") or 0), 1.0)
            pending = self._pending(offset)
            if not pending and timeout:
                self._new_update.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
                pending = self._pending(offset)
            result = pending
        elif method == "editMessageText":  # Telegram answers the edited message
            self.sent.append({"method": method, **params})
            self._new_sent.set()
            result = {"message_id": int(params["message_id"]), "date": 1700000000,
                      "chat": CHAT, "from": BOT_USER, "text": str(params.get("text", "")),
                      "edit_date": 1700000001}
        elif method in ("sendMessage", "sendVenue"):
            self.next_message += 1
            self.sent.append({"method": method, **params, "message_id": self.next_message})
            self._new_sent.set()
            result = {"message_id": self.next_message, "date": 1700000000, "chat": CHAT,
                      "from": BOT_USER, "text": str(params.get("text", ""))}
        return web.json_response({"ok": True, "result": result})

    def _pending(self, offset: int) -> list[Any]:
        """Updates from ``offset`` on (anything that is not an update: always, as garbage)."""
        return [u for u in self.updates if not isinstance(u, dict) or u["update_id"] >= offset]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/bot{token}/{method}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
