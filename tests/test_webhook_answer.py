"""In webhook mode a press's callback query is answered in the webhook's HTTP response: one
outgoing request less per press."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.dialog import Dialog
from bot.store import MemoryStateStore
from bot.telegram.api import BotApi
from bot.telegram.app import build_updates
from bot.telegram.service import BotService
from bot.telegram.webhook import build_webhook_app

from .conftest import NOW
from .fakes.session import CHAT, RecordingSession
from .test_exactly_once import settings
from .test_telegram_adapter import USER

TOKEN = "123456:ANSWER-xxxxxxxxxxxxxxxxxxxxxxx"


def _update(update_id: int, **payload: object) -> dict[str, object]:
    return {"update_id": update_id, **payload}


async def test_the_callback_answer_rides_on_the_webhook_response(dialog: Dialog) -> None:
    session = RecordingSession()
    bot = BotApi(TOKEN, session)
    service = BotService(dialog, MemoryStateStore(), b"k", clock=lambda: NOW)
    cfg = settings()
    app = build_webhook_app(cfg, bot, build_updates(service, answer_in_response=True),
                            service)
    client = TestClient(TestServer(app))
    await client.start_server()
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    try:
        first = await client.post("/telegram", headers=headers, json=_update(1, message={
            "message_id": 1, "date": 1700000000, "chat": CHAT, "from": USER, "text": "/start"}))
        assert first.status == 200
        markup = session.calls[-1][1]["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in markup for b in row
                    if b["text"].endswith("Je suis un ou une jeune"))
        press = await client.post("/telegram", headers=headers, json=_update(2, callback_query={
            "id": "cb-7", "from": USER, "chat_instance": "ci", "data": data,
            "message": {"message_id": 1001, "date": 1700000000, "chat": CHAT, "text": "x",
                        "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}}))
        assert press.status == 200
        body = await press.read()
        assert b"answerCallbackQuery" in body and b"cb-7" in body  # in the response
        assert "AnswerCallbackQuery" not in session.methods()  # not a request of its own
        assert session.methods()[-1] == "EditMessageText"  # the press was handled first
    finally:
        await client.close()
