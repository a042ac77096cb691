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

from typing import ClassVar

from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, MessageId


class SendText(TelegramMethod[MessageId]):
    __returning__: ClassVar[type] = MessageId
    __api_method__: ClassVar[str] = "sendMessage"

    chat_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    protect_content: bool | None = None
