"""Routers built by a factory (a module-level Router can serve only one dispatcher)."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message, User

from ..engine import Event, Location, Media, Press, Text, command, decode
from ..logs import guarding
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
    if message.location is not None:
        return Location(message.location.latitude, message.location.longitude)
    for kind in MEDIA_FIELDS:
        if getattr(message, kind, None):
            return Media(kind)
    if message.caption is not None:  # media types aiogram knows but we do not list
        return Media("document")
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


def build_router(service: BotService) -> Router:
    router = Router(name="orientation")

    @router.message()
    async def on_message(message: Message, bot: Bot) -> None:
        if message.chat.type != "private":
            return  # the bot is for one-to-one conversations; groups are ignored
        event = message_event(message)
        if event is None:
            return  # polls, dice, service messages...: ignored, no error
        with guarding(personal(message, message.from_user)):
            try:
                await service.handle(bot, message.chat.id, event, message.message_id)
            except Exception as exc:
                log.error("update failed: %s", type(exc).__name__)
                await service.error_reply(bot, message.chat.id)

    @router.callback_query()
    async def on_callback(query: CallbackQuery, bot: Bot) -> None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            chat = None  # the bot is for one-to-one conversations
        loading = service.prefetch(chat.id) if chat is not None else None
        try:
            await query.answer()  # always, first: the button stops spinning
        except Exception as exc:
            log.info("callback answer failed: %s", type(exc).__name__)
        if chat is None:
            return
        hint = query.from_user.language_code if query.from_user else None
        with guarding([chat.id, *personal(None, query.from_user)]):
            try:
                await service.handle(bot, chat.id, Press(decode(query.data), hint),
                                     loading=loading)
            except Exception as exc:
                log.error("update failed: %s", type(exc).__name__)
                await service.error_reply(bot, chat.id)
            finally:
                if loading is not None:
                    loading.close()  # no effect once awaited; otherwise never started

    return router
