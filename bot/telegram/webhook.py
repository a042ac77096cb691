"""Webhook mode: aiohttp server with secret-token check (:mod:`bot.telegram.intake`), and
/healthz, /readyz and /metrics on the same port.

Updates are handled before the 200 answer (``handle_in_background=False``): if a replica dies
mid-update, Telegram gets no 200 and delivers the update again, so nothing is lost (and the
store's record of handled updates keeps a finished one from being handled twice).

Order matters at both ends: ``setWebhook`` is called once the server listens (Telegram may
post at once), and at shutdown the server stops taking requests, the updates in flight are
finished, and only then is the Bot API session closed (by the caller). Nothing closes it in
the application's ``on_shutdown``, which aiohttp runs *before* waiting for requests in
flight: their replies would fail and be sent again on redelivery.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

from aiohttp import web

from ..config import Settings
from ..ops import METRICS, Health, Metrics
from ..ops.http import ops_routes
from .api import BotApi
from .intake import GuardedRequestHandler
from .observe import service_health
from .service import BotService
from .updates import ALLOWED_UPDATES, Updates

log = logging.getLogger(__name__)


def build_webhook_app(settings: Settings, bot: BotApi, updates: Updates,
                      service: BotService, health: Health | None = None,
                      metrics: Metrics = METRICS) -> web.Application:
    """The webhook route (:class:`GuardedRequestHandler`) and the operator's routes
    (/healthz, /readyz, /metrics: :func:`bot.ops.http.ops_routes`). ``health``: the
    process's (:class:`bot.telegram.observe.Operations`); by default one read from the
    service."""
    app = web.Application(client_max_size=1024 * 1024)
    handler = GuardedRequestHandler(updates, bot, settings.webhook_secret)
    app.router.add_route("POST", settings.webhook_path, handler.handle)
    ops_routes(app, health or service_health(service), metrics)
    return app


async def serve_webhook(settings: Settings, bot: BotApi, updates: Updates,
                        service: BotService, health: Health | None = None,
                        sock: socket.socket | None = None, primary: bool = True) -> None:
    """Listen, then set the webhook with its secret; serve until SIGTERM/SIGINT, then finish
    the updates in flight. The caller closes the Bot API session afterwards. ``sock``: a
    socket already listening, shared by pre-forked workers; only the ``primary`` one sets the
    webhook."""
    assert settings.webhook_url and settings.webhook_secret
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = build_webhook_app(settings, bot, updates, service, health)
    runner = web.AppRunner(app, shutdown_timeout=20.0)
    await runner.setup()
    try:
        site: web.BaseSite = (web.SockSite(runner, sock) if sock is not None else
                              web.TCPSite(runner, settings.webhook_host, settings.webhook_port))
        await site.start()
        log.info("webhook server listening on port %s", settings.webhook_port)
        if primary:
            await bot.set_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path,
                                  settings.webhook_secret, ALLOWED_UPDATES)
        await stop.wait()
    finally:
        await runner.cleanup()  # stops listening, then waits for the requests in flight
        await service.drain()
