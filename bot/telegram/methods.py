"""``sendMessage`` as this bot uses it: plain text, an inline keyboard, and only the id back.

Telegram answers a ``sendMessage`` with the whole message. aiogram's ``SendMessage`` builds
that answer into nested models (chat, sender, entities...) for every message sent; the bot
only keeps the id (for ``/forget``). Read as a ``MessageId``, the answer is validated for its
id and the rest is left as plain data: a third of the cost of reading it as a ``Message``
(docs/performance.md). The request is the same ``sendMessage`` call.

Texts are plain (no ``parse_mode``): the bot sets no default parse mode, and content texts
are not written in Markdown or HTML.
"""

from __future__ import annotations

from typing import Any, ClassVar

from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, LinkPreviewOptions, MessageId

#: Telegram adds a preview card for the first link of a message: never wanted here (a
#: thumbnail of a helpline's site tells anyone glancing at the phone what the chat is about).
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def preview(text: str) -> LinkPreviewOptions | None:
    """Link preview options for a text: disabled when it carries a link."""
    return NO_PREVIEW if "http" in text or "www." in text else None


class SendText(TelegramMethod[MessageId]):
    __returning__: ClassVar[type] = MessageId
    __api_method__: ClassVar[str] = "sendMessage"

    chat_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    protect_content: bool | None = None
    link_preview_options: LinkPreviewOptions | None = None


class EditText(TelegramMethod[Any]):
    """``editMessageText`` with its keyboard: a button press changes the message it belongs
    to (one living message per step, as aiogram-dialog's ShowMode.AUTO), instead of piling
    up messages and live keyboards. The answer (the message, or True) is not read."""

    __returning__: ClassVar[type] = Any
    __api_method__: ClassVar[str] = "editMessageText"

    chat_id: int
    message_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    link_preview_options: LinkPreviewOptions | None = None
