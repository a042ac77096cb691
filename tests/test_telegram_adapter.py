"""The Telegram adapter through Updates.feed with a session that records calls."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.dialog import Dialog
from bot.engine import (
    Engine,
    GoTo,
    HelpNow,
    Open,
    PickPlace,
    SetLanguage,
    decode,
    encode,
)
from bot.limits import Throttle
from bot.store import MemoryStateStore, chat_key
from bot.telegram.api import BotApi
from bot.telegram.app import build_updates
from bot.telegram.service import BotService
from bot.telegram.updates import Updates

from .conftest import NOW
from .fakes.session import CHAT, RecordingSession

SECRET = b"test-secret"
USER = {"id": 777001, "is_bot": False, "first_name": "Ado", "language_code": "fr"}


class Harness:
    def __init__(self, dialog: Dialog, throttle: Throttle | None = None) -> None:
        self.session = RecordingSession()
        self.bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", self.session)
        self.store = MemoryStateStore()
        self.service = BotService(dialog, self.store, SECRET, ttl=3600, throttle=throttle,
                                  clock=lambda: NOW)
        self.dispatcher: Updates = build_updates(self.service)
        self.update_id = 0
        self.message_id = 10

    async def feed(self, **payload: Any) -> None:
        self.update_id += 1
        raw = {"update_id": self.update_id, **payload}
        update = raw
        await self.dispatcher.feed(self.bot, update)

    async def text(self, text: str, **extra: Any) -> None:
        self.message_id += 1
        await self.feed(message={"message_id": self.message_id, "date": 1700000000,
                                 "chat": CHAT, "from": USER, "text": text, **extra})

    async def message(self, **fields: Any) -> None:
        self.message_id += 1
        await self.feed(message={"message_id": self.message_id, "date": 1700000000,
                                 "chat": CHAT, "from": USER, **fields})

    async def callback(self, data: str) -> None:
        await self.feed(callback_query={
            "id": f"cb{self.update_id}", "from": USER, "chat_instance": "ci", "data": data,
            "message": {"message_id": 5, "date": 1700000000, "chat": CHAT, "text": "x",
                        "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}})

    def last_markup(self) -> list[list[dict[str, Any]]]:
        for name, params in reversed(self.session.calls):
            if name == "SendMessage" and params.get("reply_markup"):
                rows: list[list[dict[str, Any]]] = params["reply_markup"]["inline_keyboard"]
                return rows
        raise AssertionError("no keyboard sent")

    def data_of(self, label: str) -> str:
        for row in self.last_markup():
            for button in row:
                if button["text"].endswith(label):
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label}")


@pytest.fixture
def harness(dialog: Dialog) -> Harness:
    return Harness(dialog)


async def test_start_then_button_then_reply(harness: Harness) -> None:
    await harness.text("/start")
    assert harness.session.methods() == ["SendMessage"]
    assert "assistant automatique" in harness.session.sent_texts()[0]
    await harness.callback(harness.data_of("Je suis un ou une jeune"))
    assert harness.session.methods()[1:] == ["AnswerCallbackQuery", "SendMessage"]
    assert "De quoi veux-tu parler" in harness.session.sent_texts()[-1]
    for row in harness.last_markup():
        for button in row:
            assert len(button.get("callback_data", "").encode()) <= 64


async def test_stale_and_forged_buttons_answer_and_show_menu(harness: Harness,
                                                             engine: Engine) -> None:
    await harness.text("/start")
    for data in ("g:0000:1:0", "not-ours", "g:abc", "x:" + "z" * 70, "l:xx", ""):
        before = len(harness.session.calls)
        await harness.callback(data)
        methods = harness.session.methods()[before:]
        assert methods[0] == "AnswerCallbackQuery", data
        assert "SendMessage" in methods
        assert "plus valable" in harness.session.sent_texts()[-1]


async def test_unknown_command_sticker_long_text_edited(harness: Harness) -> None:
    await harness.text("/nimportequoi")
    assert "Je ne connais pas cette commande" in harness.session.sent_texts()[-1]
    await harness.message(sticker={"file_id": "s", "file_unique_id": "u", "type": "regular",
                                   "width": 512, "height": 512, "is_animated": False,
                                   "is_video": False})
    assert "Qui es-tu ?" in harness.session.sent_texts()[-1]  # the screen back, with buttons
    await harness.text("a" * 5000)
    assert harness.session.methods()[-1] == "SendMessage"
    before = len(harness.session.calls)
    await harness.feed(edited_message={"message_id": 3, "date": 1700000000, "edit_date": 1,
                                       "chat": CHAT, "from": USER, "text": "edited"})
    assert len(harness.session.calls) == before  # ignored, no error


async def test_photo_is_deleted_never_downloaded(harness: Harness) -> None:
    await harness.message(photo=[{"file_id": "p", "file_unique_id": "pu", "width": 10,
                                  "height": 10}])
    methods = harness.session.methods()
    assert "DeleteMessages" in methods
    assert not any(m in methods for m in ("GetFile", "DownloadFile"))
    deleted = harness.session.calls[methods.index("DeleteMessages")][1]
    assert deleted["message_ids"] == [harness.message_id]
    sent = [p for n, p in harness.session.calls if n == "SendMessage"][-1]
    assert sent["protect_content"] is True


async def test_forget_deletes_state_and_messages(harness: Harness) -> None:
    await harness.text("/start")
    await harness.text("nudes")
    key = chat_key(CHAT["id"], SECRET)
    assert await harness.store.get(key) is not None
    await harness.text("/forget")
    assert await harness.store.get(key) is None
    deleted = [p for n, p in harness.session.calls if n == "DeleteMessages"][-1]
    assert len(deleted["message_ids"]) >= 4  # both users' and bot's messages
    assert "C'est effacé" in harness.session.sent_texts()[-1]


async def test_state_is_keyed_by_a_pseudonym(harness: Harness) -> None:
    await harness.text("/start")
    key = chat_key(CHAT["id"], SECRET)
    assert str(CHAT["id"]) not in key and await harness.store.get(key) is not None
    assert await harness.store.get(str(CHAT["id"])) is None
    assert chat_key(CHAT["id"], b"another bot") != key


async def test_flood_gets_one_gentle_slow_down(dialog: Dialog) -> None:
    harness = Harness(dialog, throttle=Throttle(limit=3, window=60, clock=lambda: 0.0))
    for _ in range(8):
        await harness.text("bonjour")
    texts = harness.session.sent_texts()
    assert len(texts) == 4
    assert "Doucement" in texts[-1]


async def test_blocked_user_drops_state(harness: Harness) -> None:
    await harness.text("/start")
    harness.session.queue("SendMessage", 403, {"ok": False, "error_code": 403,
                                               "description": "Forbidden: bot was blocked"})
    await harness.text("/menu")
    assert await harness.store.get(chat_key(CHAT["id"], SECRET)) is None


async def test_no_text_or_id_in_logs(harness: Harness, caplog: pytest.LogCaptureFixture
                                     ) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = ["mon prof me demande des nudes", "5000", "je m'appelle Lina"]
    await harness.text("/start")
    for text in secrets:
        await harness.text(text)
    await harness.text("/saj 1040")
    await harness.message(location={"latitude": 50.4669, "longitude": 4.8675})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for needle in [*secrets, "1040", "50.4669", str(USER["id"]), "Lina", "Ado"]:
        assert needle not in logged, needle


def test_callback_codec_round_trip(engine: Engine) -> None:
    for choice in (GoTo(engine.bundle.version, 12, 3), HelpNow(),
                   SetLanguage("pcm"), Open(engine.bundle.version, 0),
                   PickPlace(engine.bundle.version, 2)):
        data = encode(choice)
        assert len(data.encode()) <= 64
        assert decode(data) == choice
    assert decode("g:v:notanumber:1") is None
    assert decode(None) is None
    assert decode("x:?") is None
    assert decode("g:v:1:2:3") is None
    assert decode("g:" + "9" * 70) is None



async def test_regression_blocked_during_a_slow_down_drops_state(dialog: Dialog) -> None:
    """The flood warning was the one reply path that kept state after a 403."""
    harness = Harness(dialog, throttle=Throttle(limit=1, window=60, clock=lambda: 0.0))
    await harness.text("/start")
    await harness.text("bonjour")  # under the limit: /start is a command, not counted text
    assert await harness.store.get(chat_key(CHAT["id"], SECRET)) is not None
    harness.session.queue("SendMessage", 403, {"ok": False, "error_code": 403,
                                               "description": "Forbidden: bot was blocked"})
    await harness.text("encore")  # over the limit: the "slow down" reply meets a 403
    assert "Doucement" in harness.session.sent_texts()[-1]
    assert await harness.store.get(chat_key(CHAT["id"], SECRET)) is None
