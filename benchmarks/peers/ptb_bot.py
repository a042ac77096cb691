"""A python-telegram-bot bot with a ``ConversationHandler`` and the project's menu shape, in
webhook mode (benchmarks/run.py).

PTB's own webhook server (tornado) puts each update on a queue and answers 200 before the
update is handled; to measure every bot the same way (the webhook answered once the update is
handled, as ours and the aiogram peers do), this one is served by aiohttp and calls
``Application.process_update`` (PTB's public API) before answering. Conversation state and
user data in memory (PTB has no Redis persistence of its own). A press: answer the callback
query, then edit the message (PTB's usual pattern).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

START, MENU, TOPIC = range(3)
B = InlineKeyboardButton


def nav() -> list[list[InlineKeyboardButton]]:
    return [[B("⬅️ Retour", callback_data="back"), B("🏠 Accueil", callback_data="home"),
             B("🆘 Aide maintenant", callback_data="help")],
            [B("🚪 Quitter", callback_data="quit")]]


WELCOME_KB = InlineKeyboardMarkup(
    [[B(label, callback_data=data)] for label, data in
     zip(common.START_BUTTONS, ("young", "pro", "lang", "privacy"), strict=True)]
    + [[B("🏠 Accueil", callback_data="home"), B("🆘 Aide maintenant", callback_data="help")],
       [B("🚪 Quitter", callback_data="quit")]])
MENU_KB = InlineKeyboardMarkup(
    [[B(label, callback_data=f"t:{t}")] for t, label in
     zip(common.TOPICS, common.TOPIC_LABELS, strict=True)] + nav())
TOPIC_KB = InlineKeyboardMarkup(
    [[B(label, callback_data=f"s:{i}")] for i, label in enumerate(common.SUBS)] + nav())

Context = ContextTypes.DEFAULT_TYPE


async def start(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    await update.effective_message.reply_text(common.WELCOME, reply_markup=WELCOME_KB)
    return START


async def text(update: Update, context: Context) -> int:
    assert update.effective_message is not None and context.user_data is not None
    found = common.understand(update.effective_message.text or "")
    if found is None:
        await update.effective_message.reply_text(common.NOT_UNDERSTOOD, reply_markup=MENU_KB)
        return MENU
    context.user_data["topic"] = found
    body = common.CRISIS_TEXT if found == "crisis" else common.TOPIC_TEXT[found]
    await update.effective_message.reply_text(body, reply_markup=TOPIC_KB)
    return TOPIC


async def press(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    await query.answer()
    data = query.data or ""
    if data == "quit":
        await query.edit_message_text("Au revoir.")
        return ConversationHandler.END
    if data in ("home", "lang"):
        await query.edit_message_text(common.WELCOME, reply_markup=WELCOME_KB)
        return START
    if data in ("young", "pro", "back"):
        await query.edit_message_text(common.MENU_TEXT, reply_markup=MENU_KB)
        return MENU
    if data.startswith("t:"):
        context.user_data["topic"] = data[2:]
    elif data in ("help", "privacy"):
        context.user_data["topic"] = "crisis" if data == "help" else "talk"
    topic = context.user_data.get("topic", "grooming")
    body = common.CRISIS_TEXT if topic == "crisis" else common.TOPIC_TEXT[topic]
    await query.edit_message_text(body, reply_markup=TOPIC_KB)
    return TOPIC


async def outdated(update: Update, context: Context) -> int:
    """A press outside any conversation (after "quit"): start over."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await start(update, context)


def application() -> Application:  # type: ignore[type-arg]
    app = (Application.builder().token(common.TOKEN).base_url(f"{common.API}/bot")
           .updater(None).build())
    every = [CallbackQueryHandler(press),
             MessageHandler(filters.TEXT & ~filters.COMMAND, text)]
    app.add_handler(ConversationHandler(
        entry_points=[CommandHandler("start", start), MessageHandler(filters.TEXT, start),
                      CallbackQueryHandler(outdated)],
        states={START: every, MENU: every, TOPIC: every},
        fallbacks=[CommandHandler("start", start)]))
    return app


async def main(stop: asyncio.Event) -> None:
    ptb = application()
    await ptb.initialize()
    await ptb.start()

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != common.SECRET:
            return web.Response(status=401)
        update = Update.de_json(await request.json(), ptb.bot)
        await ptb.process_update(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(common.PATH, webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", common.PORT).start()
    common.tune_gc()
    await ptb.bot.set_webhook(common.WEBHOOK_URL, secret_token=common.SECRET)
    await stop.wait()
    await runner.cleanup()
    await ptb.stop()
    await ptb.shutdown()


if __name__ == "__main__":
    common.run(main)
