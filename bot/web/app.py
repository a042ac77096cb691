"""The web channel over HTTP (aiohttp): the page, its two static files, the JSON API.

Every answer carries the same security headers (a strict Content-Security-Policy, no
referrer, framing only by WEB_FRAME_ANCESTORS); nothing sets a cookie; the access log is off
(it would record addresses and paths); errors are logged by type only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..config import Settings
from ..dialog import ActionRunner, Dialog, load_engine
from ..errors import ConfigError, exit_code
from ..limits import Throttle
from ..store import MemoryStateStore, StateStore
from ..store.stats import BufferedStats, MemoryStats, RedisStats, StatsSink
from .page import load_assets, page_lang, render_page
from .service import BadRequestError, WebService, parse_event, parse_session

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024  # a request is a session id and at most 4,096 characters of text
SERVICE = web.AppKey("service", WebService)
#: No access log: it would write addresses, paths and user agents.
RUNNER: dict[str, Any] = {"access_log": None, "shutdown_timeout": 10.0}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def security_headers(settings: Settings) -> dict[str, str]:
    ancestors = " ".join(settings.web_frame_ancestors) or "'none'"
    headers = {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'; frame-ancestors {ancestors}"),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": ("geolocation=(self), camera=(), microphone=(), payment=(), "
                               "usb=()"),
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    # X-Frame-Options cannot name several origins: it only backs up the two simple cases
    if not settings.web_frame_ancestors:
        headers["X-Frame-Options"] = "DENY"
    elif settings.web_frame_ancestors == ("'self'",):
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return headers


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


class Routes:
    """The handlers of the web app, sharing its settings, service and static files."""

    def __init__(self, settings: Settings, service: WebService) -> None:
        self.settings = settings
        self.service = service
        self.assets = load_assets()
        self.headers = security_headers(settings)

    @web.middleware
    async def protect(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Security headers on every answer; errors as short JSON, never a traceback."""
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # 404, 405, 413...
            response = error(exc.status, exc.reason.lower())
            if "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
        except Exception as exc:
            log.error("request failed: %s", type(exc).__name__)
            response = error(500, "internal error")
        response.headers.update(self.headers)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def page(self, request: web.Request) -> web.Response:
        dialog = self.service.dialog
        lang = page_lang(request.query.get("lang"), request.headers.get("Accept-Language"),
                         dialog.engine.languages())
        html = render_page(dialog, self.assets, lang, self.settings.web_exit_url,
                           self.service.now())
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def static(self, request: web.Request) -> web.Response:
        asset = self.assets.get(request.match_info["name"])
        if asset is None:
            raise web.HTTPNotFound()
        gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
        response = web.Response(body=asset.gzipped if gzip_ok else asset.body)
        response.headers["Content-Type"] = asset.content_type
        if gzip_ok:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        fresh = request.query.get("v") == asset.version
        response.headers["Cache-Control"] = \
            "public, max-age=31536000, immutable" if fresh else "no-cache"
        return response

    @staticmethod
    async def read_json(request: web.Request) -> Any:
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            raise web.HTTPForbidden(reason="Cross-site request")
        raw = await request.read()  # over MAX_BODY: HTTPRequestEntityTooLarge (413)
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequestError("the body is not JSON") from None

    def address(self, request: web.Request) -> str:
        """The client's address (the proxy's last X-Forwarded-For entry if trusted)."""
        if self.settings.web_trust_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "")
            if forwarded:
                return forwarded.split(",")[-1].strip()
        return request.remote or "-"

    async def turn(self, request: web.Request) -> web.Response:
        try:
            session, event = parse_event(await self.read_json(request))
        except BadRequestError as exc:
            return error(400, str(exc))
        answer = await self.service.turn(session, event, self.address(request))
        response = web.json_response(answer.body, status=answer.status,
                                     headers=answer.headers, dumps=_dumps)
        response.enable_compression()  # gzip when the browser accepts it: slow connections
        return response

    async def leave(self, request: web.Request) -> web.Response:
        """"Quitter vite": erase the tab's conversation."""
        try:
            session = parse_session(await self.read_json(request))
        except BadRequestError as exc:
            return error(400, str(exc))
        await self.service.erase(session)
        return web.Response(status=204)

    @staticmethod
    async def no_icon(request: web.Request) -> web.Response:
        """Browsers ask for /favicon.ico: nothing to show, nothing to log as missing."""
        return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok",
                                  "content": self.service.dialog.engine.bundle.version})


def build_web_app(settings: Settings, service: WebService) -> web.Application:
    routes = Routes(settings, service)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[routes.protect])
    app[SERVICE] = service
    app.router.add_get("/", routes.page)
    app.router.add_get("/static/{name}", routes.static)
    app.router.add_post("/api/turn", routes.turn)
    app.router.add_post("/api/exit", routes.leave)
    app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/favicon.ico", routes.no_icon)
    return app


def web_secret(settings: Settings) -> bytes:
    """The key of the session HMAC: WEB_SECRET, else one derived from BOT_TOKEN, else random
    for this process (memory store only: replicas sharing Redis need the same key)."""
    if settings.web_secret:
        return hashlib.sha256(b"fwb-web:" + settings.web_secret.encode()).digest()
    if settings.redis_url:
        raise ConfigError("REDIS_URL is set but WEB_SECRET is not: every replica must key "
                          "conversations alike. Set WEB_SECRET to a long random string.")
    if settings.bot_token:
        return hashlib.sha256(b"fwb-web:" + settings.bot_token.encode()).digest()
    return secrets.token_bytes(32)


async def open_store(settings: Settings) -> tuple[StateStore, StatsSink | None]:
    if settings.redis_url:
        from ..store.redis import RedisStateStore  # noqa: PLC0415  (only with REDIS_URL)

        store = RedisStateStore(settings.redis_url)
        await store.ping()
        return store, BufferedStats(RedisStats(store.client)) if settings.stats else None
    return MemoryStateStore(), MemoryStats() if settings.stats else None


def build_service(settings: Settings, dialog: Dialog, store: StateStore,
                  stats: StatsSink | None,
                  clock: Callable[[], dt.datetime] | None = None) -> WebService:
    return WebService(
        dialog=dialog, store=store, secret=web_secret(settings), ttl=settings.state_ttl,
        stats=stats, clock=clock,
        flood=Throttle(settings.throttle_messages, float(settings.throttle_seconds)),
        per_session=Throttle(settings.web_session_limit, 60.0),
        per_ip=Throttle(settings.web_ip_limit, 60.0),
    )


async def serve_web(settings: Settings, dialog: Dialog) -> None:
    """Serve the page until SIGTERM/SIGINT, then finish the requests in flight."""
    store, stats = await open_store(settings)
    service = build_service(settings, dialog, store, stats)
    flusher = asyncio.create_task(stats.run()) if isinstance(stats, BufferedStats) else None
    runner = web.AppRunner(build_web_app(settings, service), **RUNNER)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
        log.info("web page listening on %s:%s", settings.web_host, settings.web_port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        if flusher is not None and isinstance(stats, BufferedStats):
            flusher.cancel()
            try:
                await stats.flush()
            except Exception as exc:
                log.warning("statistics not written at shutdown (%s)", type(exc).__name__)
        await store.close()


def run_web(settings: Settings, runner: ActionRunner) -> int:
    """``python -m bot web``."""
    def run() -> None:
        web_secret(settings)
        dialog = Dialog(load_engine(settings.flows_dir, settings.locales_dir), runner)
        asyncio.run(serve_web(settings, dialog))

    return exit_code(run)
