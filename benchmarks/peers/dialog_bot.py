"""An aiogram-dialog bot with the project's menu shape, in webhook mode (benchmarks/run.py).

Windows for the welcome screen, the topic menu and a topic; typed text goes through a
``MessageInput`` (a few keywords, a few crisis words); /start resets the stack; a press on an
outdated keyboard starts over (aiogram-dialog's documented ``UnknownIntent`` handler).
Storage: aiogram's MemoryStorage, or RedisStorage when REDIS_URL is set (with
``DefaultKeyBuilder(with_destiny=True)``, as aiogram-dialog asks). aiogram's stock session.
"""

from __future__ import annotations

import asyncio
import operator
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart, ExceptionTypeFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
from aiogram_dialog.api.exceptions import UnknownIntent
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Const, Format
from aiohttp import web


class S(StatesGroup):
    start = State()
    menu = State()
    topic = State()


async def on_text(message: Message, widget: Any, manager: DialogManager) -> None:
    found = common.understand(message.text or "")
    if found is None:
        manager.dialog_data["notice"] = common.NOT_UNDERSTOOD
        await manager.switch_to(S.menu)
        return
    manager.dialog_data["topic"] = found
    await manager.switch_to(S.topic)


async def on_topic(query: CallbackQuery, widget: Any, manager: DialogManager, item: str) -> None:
    manager.dialog_data["topic"] = item
    await manager.switch_to(S.topic)


async def on_sub(query: CallbackQuery, widget: Any, manager: DialogManager, item: str) -> None:
    manager.dialog_data["sub"] = item
    await manager.switch_to(S.topic)


async def on_help(query: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["topic"] = "crisis"
    await manager.switch_to(S.topic)


async def on_privacy(query: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["topic"] = "talk"
    await manager.switch_to(S.topic)


async def menu_data(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    return {"notice": dialog_manager.dialog_data.pop("notice", common.MENU_TEXT),
            "topics": list(zip(common.TOPICS, common.TOPIC_LABELS, strict=True))}


async def topic_data(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    topic = dialog_manager.dialog_data.get("topic", "grooming")
    text = common.CRISIS_TEXT if topic == "crisis" else common.TOPIC_TEXT[topic]
    return {"text": text, "subs": list(enumerate(common.SUBS))}


def nav() -> Row:
    return Row(SwitchTo(Const("⬅️ Retour"), id="back", state=S.menu),
               SwitchTo(Const("🏠 Accueil"), id="home", state=S.start),
               Button(Const("🆘 Aide maintenant"), id="help", on_click=on_help))


DIALOG = Dialog(
    Window(Const(common.WELCOME),
           Column(SwitchTo(Const(common.START_BUTTONS[0]), id="young", state=S.menu),
                  SwitchTo(Const(common.START_BUTTONS[1]), id="pro", state=S.menu),
                  SwitchTo(Const(common.START_BUTTONS[2]), id="lang", state=S.start),
                  Button(Const(common.START_BUTTONS[3]), id="privacy", on_click=on_privacy)),
           Row(SwitchTo(Const("🏠 Accueil"), id="home0", state=S.start),
               Button(Const("🆘 Aide maintenant"), id="help0", on_click=on_help)),
           Cancel(Const("🚪 Quitter")),
           MessageInput(on_text, content_types=["text"]),
           state=S.start),
    Window(Format("{notice}"),
           Column(Select(Format("{item[1]}"), id="t", item_id_getter=operator.itemgetter(0),
                         items="topics", on_click=on_topic)),
           nav(), Cancel(Const("🚪 Quitter")),
           MessageInput(on_text, content_types=["text"]),
           state=S.menu, getter=menu_data),
    Window(Format("{text}"),
           Column(Select(Format("{item[1]}"), id="s", item_id_getter=operator.itemgetter(0),
                         items="subs", on_click=on_sub)),
           nav(), Cancel(Const("🚪 Quitter")),
           MessageInput(on_text, content_types=["text"]),
           state=S.topic, getter=topic_data),
)


def storage() -> BaseStorage:
    if common.REDIS_URL is None:
        return MemoryStorage()
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    return RedisStorage.from_url(common.REDIS_URL,
                                 key_builder=DefaultKeyBuilder(with_destiny=True))


async def main(stop: asyncio.Event) -> None:
    dispatcher = Dispatcher(storage=storage())
    commands = Router(name="commands")

    @commands.message(CommandStart())
    async def on_start(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(S.start, mode=StartMode.RESET_STACK)

    fallback = Router(name="fallback")

    @fallback.message(F.text)
    async def on_other(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(S.start, mode=StartMode.RESET_STACK)

    @dispatcher.errors(ExceptionTypeFilter(UnknownIntent), F.update.callback_query.as_("query"))
    async def on_outdated(event: ErrorEvent, query: CallbackQuery,
                          dialog_manager: DialogManager) -> None:
        await query.answer()
        await dialog_manager.start(S.start, mode=StartMode.RESET_STACK)

    dispatcher.include_routers(commands, DIALOG, fallback)
    setup_dialogs(dispatcher)
    bot = Bot(common.TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(common.API)))
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False,
                         secret_token=common.SECRET).register(app, path=common.PATH)
    setup_application(app, dispatcher, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", common.PORT).start()
    common.tune_gc()
    await bot.set_webhook(common.WEBHOOK_URL, secret_token=common.SECRET)
    await stop.wait()
    await runner.cleanup()
    await dispatcher.storage.close()


if __name__ == "__main__":
    common.run(main)
