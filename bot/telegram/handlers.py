"""Routers built by a factory (a module-level Router can serve only one dispatcher)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Router
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from ..engine import Event, Location, Media, Press, Text, command, decode
from ..logs import guarding
from .observe import failed
from .service import BotService

log = logging.getLogger(__name__)
MEDIA_FIELDS = ("photo", "video", "voice", "document", "video_note", "audio", "sticker",
                "animation")


def message_event(message: Message) -> Event | None:
    """The engine event for a private message, or None for what the bot does not handle."""
    hint = message.from_user.language_code if message.from_user else None
    if message.text is not None:
        if message.text.startswith("/"):
            return command(message.text, hint)
        return Text(message.text, hint)
    if message.contact is not None:  # a phone number and a name: deleted, never stored
        return Media("contact")
    if message.location is not None:
        return Location(message.location.latitude, message.location.longitude)
    for kind in MEDIA_FIELDS:
        if getattr(message, kind, None):
            return Media(kind, message.media_group_id)
    if message.caption is not None:  # media types aiogram knows but we do not list
        return Media("document", message.media_group_id)
    return None


def personal(message: Message | None, user: User | None) -> list[object]:
    """What an update carries that must never reach a log: text, ids, names, numbers,
    places (see bot/logs.py)."""
    out: list[object] = []
    if user is not None:
        out += [user.id, user.first_name, user.last_name, user.username]
    if message is not None:
        out += [message.chat.id, message.text, message.caption]
        if message.contact is not None:
            c = message.contact
            out += [c.phone_number, c.first_name, c.last_name, c.user_id]
        if message.location is not None:
            out += [message.location.latitude, message.location.longitude]
    return out


def build_router(service: BotService, answer_in_response: bool = False) -> Router:
    """``answer_in_response`` (webhook mode): a button press's callback query is answered in
    the webhook's HTTP response instead of by a request of its own — one outgoing request
    less on every press (measured: +15% throughput, docs/performance.md); the spinner stops
    when the update is done. In polling mode it is answered first, while the update runs."""
    router = Router(name="orientation")

    @router.message()
    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        if message.chat.type != "private":
            return  # the bot is for one-to-one conversations; groups are ignored
        event = message_event(message)
        if event is None:  # polls, dice, service messages...: no answer, no error,
            await service.remember(message.chat.id, [message.message_id])  # but /forget
            return
        async with service.track():
            with guarding(personal(message, message.from_user)):
                try:
                    await service.handle(bot, message.chat.id, event, message.message_id,
                                         event_update.update_id)
                except Exception as exc:
                    log.error("update failed: %s", type(exc).__name__)
                    failed()  # the outcome in fwb_updates_total
                    await service.error_reply(bot, message.chat.id)

    @router.callback_query()
    async def on_callback(query: CallbackQuery, bot: Bot,
                          event_update: Update) -> AnswerCallbackQuery | None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            chat = None  # the bot is for one-to-one conversations
        async with service.track():
            if answer_in_response:
                await _press(query, bot, event_update, chat)
                return query.answer()  # sent back in the webhook response
            # the button stops spinning at once; the chat's update runs meanwhile
            answering = asyncio.ensure_future(query.answer())
            await asyncio.sleep(0)  # the answer goes out first
            try:
                await _press(query, bot, event_update, chat)
            finally:
                try:
                    await answering
                except Exception as exc:
                    log.info("callback answer failed: %s", type(exc).__name__)
        return None

    async def _press(query: CallbackQuery, bot: Bot, event_update: Update,
                     chat: Chat | None) -> None:
        if chat is None:
            return
        hint = query.from_user.language_code if query.from_user else None
        with guarding([chat.id, *personal(None, query.from_user)]):
            try:
                pressed = (query.message.message_id, query.data or "") \
                    if query.message is not None else None
                await service.handle(bot, chat.id, Press(decode(query.data), hint),
                                     update_id=event_update.update_id, pressed=pressed)
            except Exception as exc:
                log.error("update failed: %s", type(exc).__name__)
                failed()
                await service.error_reply(bot, chat.id)

    return router
