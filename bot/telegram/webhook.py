"""Webhook mode: aiohttp server with secret-token check, /healthz and /metrics.

Updates are handled before the 200 answer (``handle_in_background=False``): if a replica dies
mid-update, Telegram gets no 200 and delivers the update again, so nothing is lost (and the
store's record of handled updates keeps a finished one from being handled twice).

Order matters at both ends: ``setWebhook`` is called once the server listens (Telegram may
post at once), and at shutdown the server stops taking requests, the updates in flight are
finished, and only then is the Bot API session closed (by the caller). aiogram's
``SimpleRequestHandler.register`` would close the session in the application's
``on_shutdown``, which aiohttp runs *before* waiting for requests in flight: their replies
then failed and were sent again on redelivery. The route is added without that hook.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from ..config import Settings
from .service import BotService

log = logging.getLogger(__name__)


def build_webhook_app(settings: Settings, bot: Bot, dispatcher: Dispatcher,
                      service: BotService) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    handler = SimpleRequestHandler(dispatcher, bot, handle_in_background=False,
                                   secret_token=settings.webhook_secret)
    app.router.add_route("POST", settings.webhook_path, handler.handle)

    async def healthz(request: web.Request) -> web.Response:
        content = service.dialog.engine.bundle.version
        reason = service.degraded()
        if reason is not None:
            return web.json_response({"status": "degraded", "reason": reason,
                                      "content": content}, status=503)
        return web.json_response({"status": "ok", "content": content})

    async def metrics(request: web.Request) -> web.Response:
        lines = ["# HELP fwb_node_views_total Times a node was shown (anonymous).",
                 "# TYPE fwb_node_views_total counter"]
        if service.stats is not None:
            for day, lang, node, count in await service.stats.rows():
                lines.append(f'fwb_node_views_total{{day="{day}",lang="{lang}",'
                             f'node="{node}"}} {count}')
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    app.router.add_get("/healthz", healthz)
    if settings.stats:
        app.router.add_get("/metrics", metrics)
    return app


async def serve_webhook(settings: Settings, bot: Bot, dispatcher: Dispatcher,
                        service: BotService) -> None:
    """Listen, then set the webhook with its secret; serve until SIGTERM/SIGINT, then finish
    the updates in flight. The caller closes the Bot API session afterwards."""
    assert settings.webhook_url and settings.webhook_secret
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = build_webhook_app(settings, bot, dispatcher, service)
    runner = web.AppRunner(app, shutdown_timeout=20.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        log.info("webhook server listening on port %s", settings.webhook_port)
        await bot.set_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path,
                              secret_token=settings.webhook_secret,
                              allowed_updates=["message", "callback_query"])
        await stop.wait()
    finally:
        await runner.cleanup()  # stops listening, then waits for the requests in flight
        await service.drain()
