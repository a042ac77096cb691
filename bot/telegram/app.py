"""Build the Bot API client, the updates' router and the service; run polling (or the
webhook server)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import os
import signal
import socket
import sys

from ..actions_runner import DirectActionRunner
from ..config import Settings
from ..dialog import Dialog, load_engine
from ..engine import ContentError, Engine
from ..errors import ConfigError, exit_code
from ..limits import Throttle
from ..store import MemoryStateStore, StateStore
from ..store.stats import BufferedStats, MemoryStats, RedisStats, StatsSink
from .api import DEFAULT_BASE, BotApi, UnauthorizedError
from .observe import Operations
from .polling import TOKEN_REFUSED, Polling
from .profile import set_profile
from .retry import Retry
from .service import BotService
from .updates import Updates
from .webhook import serve_webhook

log = logging.getLogger(__name__)

NO_TOKEN = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

To get a token: open Telegram, talk to @BotFather, send /newbot, choose a name and a
username; BotFather answers with a token like 123456789:AAE... Then:

    echo 'BOT_TOKEN=123456789:AAE...' >> .env
    python -m bot run

Meanwhile you can talk to the bot right here in the terminal:

    python -m bot chat
"""


def create_bot(settings: Settings, ops: Operations | None = None) -> BotApi:
    assert settings.bot_token
    bot = BotApi(settings.bot_token, base=settings.bot_api_base or DEFAULT_BASE,
                 retry=Retry())
    if ops is not None:
        ops.watch_api(bot)  # sees each attempt, inside the retries (bot/telegram/observe.py)
    return bot


def state_secret(settings: Settings) -> bytes:
    """The key that pseudonymises chat ids in storage (stable for one bot token)."""
    return hashlib.sha256(b"fwb-state:" + (settings.bot_token or "console").encode()).digest()


def build_engine(settings: Settings) -> Engine:
    return load_engine(settings.flows_dir, settings.locales_dir)


def build_service(settings: Settings, engine: Engine, store: StateStore,
                  stats: StatsSink | None) -> BotService:
    return BotService(
        dialog=Dialog(engine, DirectActionRunner()), store=store, secret=state_secret(settings),
        ttl=settings.state_ttl, stats=stats,
        throttle=Throttle(settings.throttle_messages, float(settings.throttle_seconds)),
    )


def build_updates(service: BotService, answer_in_response: bool = False) -> Updates:
    return Updates(service, answer_in_response)


async def open_store(settings: Settings) -> tuple[StateStore, StatsSink | None]:
    if settings.redis_url:
        # only with REDIS_URL: a memory-mode bot does not load the redis client
        from ..store.redis import RedisStateStore  # noqa: PLC0415

        store = RedisStateStore(settings.redis_url)
        try:
            await store.ping()
        except BaseException:
            await store.close()
            raise
        return store, BufferedStats(RedisStats(store.counters)) if settings.stats else None
    return MemoryStateStore(), MemoryStats() if settings.stats else None


GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    """Fewer, shorter garbage-collector pauses once the bot is loaded.

    The content and the compiled matchers live as long as the process:
    ``gc.freeze()`` moves them out of the collector's reach. Conversation state is stored as
    strings (not tracked by the collector), so collections can be rarer: with the default
    thresholds a full collection stalls the loop every few thousand updates, a latency spike
    (the peers of ``benchmarks/run.py`` get the same tuning).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def reload_content(service: BotService, settings: Settings) -> bool:
    """Load the content again; on any problem keep the flows in service and log file:line."""
    try:
        engine = build_engine(settings)
    except ContentError as exc:
        log.error("content NOT reloaded, the previous flows stay in service:\n%s",
                  "\n".join(str(p) for p in exc.problems))
        return False
    except Exception as exc:  # an unreadable file...: never a traceback in a signal handler
        log.error("content NOT reloaded, the previous flows stay in service: %s",
                  type(exc).__name__)
        return False
    service.dialog.engine = engine
    log.info("content reloaded (version %s)", engine.bundle.version)
    return True


def watch_reload(service: BotService, settings: Settings) -> None:
    """Reload the content on SIGHUP (``kill -HUP <pid>`` after editing flows/)."""
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, reload_content, service, settings)


async def serve(settings: Settings, engine: Engine | None = None,
                sock: socket.socket | None = None, primary: bool = True) -> None:
    """The bot, until SIGTERM. ``engine``: already loaded (pre-forked workers share it);
    ``sock``: the listening socket they share; only the ``primary`` worker sets the webhook
    and the bot's profile."""
    engine = engine or build_engine(settings)
    log.info("event loop: %s", type(asyncio.get_running_loop()).__module__.split(".")[0])
    store, stats = await open_store(settings)
    service = build_service(settings, engine, store, stats)
    ops = Operations(service)  # health and metrics (bot/telegram/observe.py)
    flusher = asyncio.create_task(stats.run()) if isinstance(stats, BufferedStats) else None
    bot = create_bot(settings, ops)
    updates = ops.observe(build_updates(service, answer_in_response=bool(settings.webhook_url)))
    watch_reload(service, settings)
    tune_gc()
    sweeper = asyncio.create_task(service.sweep(bot))  # erases conversations on request
    try:
        await ops.start(bot, settings)  # polling: /healthz /readyz /metrics on METRICS_PORT
        if primary:
            await set_profile(bot, engine)  # cosmetic: never stops the bot
        if settings.webhook_url:
            await serve_webhook(settings, bot, updates, service, ops.health, sock, primary)
        else:
            await bot.delete_webhook()
            polling = Polling(bot, updates)
            polling.handle_signals()
            log.info("polling for updates")
            # the session stays open until the updates in flight are answered (below)
            await polling.run()
    except UnauthorizedError:
        raise ConfigError(TOKEN_REFUSED) from None
    finally:
        await ops.stop()
        sweeper.cancel()
        await service.drain()  # finish in-flight updates BEFORE closing the Bot API session
        if flusher is not None and isinstance(stats, BufferedStats):
            flusher.cancel()
            try:
                await stats.flush()  # the last seconds of counts
            except Exception as exc:
                log.warning("statistics not written at shutdown (%s)", type(exc).__name__)
        await store.close()
        await bot.close()


def run_bot(settings: Settings) -> int:
    if not settings.bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if settings.webhook_url and not settings.webhook_secret:
        print("WEBHOOK_URL is set but WEBHOOK_SECRET is not: refusing to start a webhook that "
              "anyone could post to. Set WEBHOOK_SECRET to a long random string "
              "(letters, digits, _ and -).", file=sys.stderr)
        return 2

    def run() -> int:
        use_loop(settings)
        if settings.workers > 1:
            return run_workers(settings)
        asyncio.run(serve(settings))
        return 0

    return exit_code(run)


def use_loop(settings: Settings) -> str:
    """Install the event loop ``EVENT_LOOP`` asks for; the one in use. ``auto``: uvloop when
    it is installed (a dependency on Linux and macOS: less CPU per update, docs/performance.md,
    the uvloop lever), else asyncio's own."""
    if settings.event_loop == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: PLC0415 (optional: not on every platform)
    except ImportError:
        if settings.event_loop == "uvloop":
            raise ConfigError("EVENT_LOOP=uvloop but uvloop is not installed: pip install "
                              "uvloop, or EVENT_LOOP=auto") from None
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def preload(settings: Settings) -> None:
    """Import before the fork what each worker would import after it, so the workers share
    those pages: the Redis client alone pulls in about 150 modules (OpenTelemetry among them,
    when installed), 13 MiB that each worker held privately (benchmarks/workers.py: a worker's
    USS when ready, 25 MiB before, 12 after)."""
    if settings.redis_url:
        import bot.store.redis  # noqa: F401, PLC0415


def run_workers(settings: Settings) -> int:
    """``WORKERS=N`` (webhook mode, Redis): load the content and freeze it for the garbage
    collector, open the listening socket, then fork N workers that share both (the content's
    memory stays shared, copy-on-write). The parent forwards SIGTERM/SIGINT and waits; it
    exits 0 when every worker did, else 1. Each worker's /metrics counts its own updates."""
    engine = build_engine(settings)
    preload(settings)
    tune_gc()
    sock = socket.create_server((settings.webhook_host, settings.webhook_port), backlog=1024)
    pids: list[int] = []
    for index in range(settings.workers):
        pid = os.fork()
        if pid == 0:  # a worker
            code = 1
            try:
                asyncio.run(serve(settings, engine, sock, primary=index == 0))
                code = 0
            except KeyboardInterrupt:
                code = 0
            except Exception as exc:
                print(f"worker {index} stopped: {type(exc).__name__}", file=sys.stderr)
            finally:
                os._exit(code)
        pids.append(pid)
    sock.close()

    def forward(signum: int, _frame: object) -> None:
        for child in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    failed = 0
    for child in pids:
        _, status = os.waitpid(child, 0)
        failed += os.waitstatus_to_exitcode(status) != 0
    return 1 if failed else 0
