"""One living message: a button press edits the message it belongs to; typed text and
commands send new ones; a double tap does one thing; /forget still finds every message."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialog import Dialog

from .fakes.session import CHAT
from .test_telegram_adapter import USER, Harness


class Living(Harness):
    """Presses the buttons of the message that carries them, as a phone does."""

    def shown(self) -> tuple[int, list[list[dict[str, Any]]], str]:
        """The last message with a keyboard: (its id, its keyboard, its text)."""
        last: tuple[int, list[list[dict[str, Any]]], str] | None = None
        next_id = 1000  # the recording session numbers sent messages from 1001
        for name, params in self.session.calls:
            if name == "SendMessage":
                next_id += 1
                if params.get("reply_markup"):
                    last = (next_id, params["reply_markup"]["inline_keyboard"], params["text"])
            elif name == "EditMessageText" and params.get("reply_markup"):
                last = (params["message_id"], params["reply_markup"]["inline_keyboard"],
                        params["text"])
        assert last is not None, "no keyboard shown"
        return last

    async def press(self, label: str, message_id: int | None = None) -> None:
        shown_id, rows, _ = self.shown()
        data = next(b["callback_data"] for row in rows for b in row
                    if b["text"].endswith(label) and "callback_data" in b)
        await self.feed(callback_query={
            "id": f"cb{self.update_id}", "from": USER, "chat_instance": "ci", "data": data,
            "message": {"message_id": message_id or shown_id, "date": 1700000000,
                        "chat": CHAT, "text": "x",
                        "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}})


@pytest.fixture
def living(dialog: Dialog) -> Living:
    return Living(dialog)


def _methods(h: Living) -> list[str]:
    return [m for m in h.session.methods() if m != "AnswerCallbackQuery"]


async def test_a_press_edits_the_message_it_belongs_to(living: Living) -> None:
    await living.text("/start")
    await living.press("Je suis un ou une jeune")
    assert _methods(living) == ["SendMessage", "EditMessageText"]
    first_id = living.shown()[0]
    assert first_id == 1001 and "De quoi veux-tu parler" in living.shown()[2]
    await living.press("Parler à quelqu'un")  # not protected either: edited again
    assert _methods(living)[-1] == "EditMessageText" and living.shown()[0] == first_id
    await living.text("bonjour")  # typed text: a new message
    assert _methods(living)[-1] == "SendMessage"


async def test_protected_screens_are_new_messages(living: Living) -> None:
    await living.text("/start")
    await living.press("Je suis un ou une jeune")
    await living.press("On me fait du chantage")  # sensitive: sent with protect_content
    name, params = [c for c in living.session.calls if c[0] != "AnswerCallbackQuery"][-1]
    assert name == "SendMessage" and params["protect_content"] is True
    await living.press("Comment ça se passe ?")  # protected to protected: edited
    assert _methods(living)[-1] == "EditMessageText"


async def test_a_double_tap_does_one_thing(living: Living) -> None:
    await living.text("/start")
    shown_id, rows, _ = living.shown()
    data = next(b["callback_data"] for row in rows for b in row
                if b["text"].endswith("Je suis un ou une jeune"))
    for _ in range(2):
        await living.feed(callback_query={
            "id": "cb", "from": USER, "chat_instance": "ci", "data": data,
            "message": {"message_id": shown_id, "date": 1700000000, "chat": CHAT,
                        "text": "x", "from": {"id": 1, "is_bot": True, "first_name": "B"}}})
    assert _methods(living) == ["SendMessage", "EditMessageText"]
    assert living.session.methods().count("AnswerCallbackQuery") == 2  # both stop spinning


async def test_an_old_message_gets_a_new_answer(living: Living) -> None:
    await living.text("/start")
    old_id = living.shown()[0]
    await living.text("/menu")  # a newer message is now the living one
    await living.press("Je suis un ou une jeune", message_id=old_id)
    assert _methods(living)[-1] == "SendMessage"


async def test_an_edit_refused_by_telegram_sends_a_new_message(living: Living) -> None:
    await living.text("/start")
    living.session.queue("EditMessageText", 400, {
        "ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"})
    await living.press("Je suis un ou une jeune")
    assert _methods(living)[-2:] == ["EditMessageText", "SendMessage"]
    assert "De quoi veux-tu parler" in living.session.sent_texts()[-1]


async def test_forget_after_edits_deletes_every_message(living: Living) -> None:
    await living.text("/start")
    await living.press("Je suis un ou une jeune")
    await living.press("Parler à quelqu'un")
    await living.text("bonjour")
    await living.text("/forget")
    deleted = {i for name, p in living.session.calls if name == "DeleteMessages"
               for i in p["message_ids"]}
    sent = set(range(1001, 1001 + living.session.methods().count("SendMessage") - 1))
    typed = {11, 12, 13}
    assert sent <= deleted and typed <= deleted


async def test_link_previews_are_off_when_a_text_carries_a_link(living: Living) -> None:
    await living.text("/start")
    await living.press("Je suis un ou une jeune")
    await living.press("Parler à quelqu'un")
    await living.press("Toutes les lignes d'écoute")
    calls = [p for name, p in living.session.calls
             if name in ("SendMessage", "EditMessageText") and "http" in p["text"]]
    assert calls and all(p["link_preview_options"]["is_disabled"] for p in calls)
