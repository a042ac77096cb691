"""The floor: a bare aiogram bot that answers "ok", in webhook mode (benchmarks/run.py).

aiogram's stock session (form bodies), stock Dispatcher (FSM on, MemoryStorage), aiogram's
SimpleRequestHandler answering the webhook after the update is handled, as ours does.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web


async def main(stop: asyncio.Event) -> None:
    router = Router()

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        await message.answer("ok")

    @router.callback_query()
    async def on_press(query: CallbackQuery) -> None:
        await query.answer()
        if query.message is not None:
            await query.message.answer("ok")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
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


if __name__ == "__main__":
    common.run(main)
