"""The Telegram bot as an operator sees it: health facts and Prometheus metrics, wired around
the service without changing how it works (:mod:`bot.ops` holds the metrics, the health
verdict and the HTTP routes).

Where each fact comes from:

- **content version**: :class:`MeteredDialog` notices every engine put in service (start, and
  each reload on SIGHUP) and records its version (``/healthz``, ``fwb_content_info``);
- **node views, crisis replies, language switches**: the same :class:`MeteredDialog` reads
  each turn's ``Count`` effects (the anonymous statistics' own source) and the language
  before and after;
- **store errors**: :class:`MeteredStore` counts each failed store operation by name; a
  failed *write* is the service's own record (``BotService.last_write_failure``);
- **store readiness**: a real write and read of a key of this process (Redis only);
- **Bot API reachable, Telegram errors**: :class:`ApiWatch`, a watcher of the Bot API client
  that sees every attempt (inside the retries);
- **updates: latency and outcome by kind**: :class:`bot.telegram.updates.Updates` itself,
  given the metrics by :meth:`Operations.observe` (it also drops unknown update types with
  one line naming the type only).

Labels never carry an id or a text: node keys and languages come from the content, kinds
are update types, Bot API method names and exception class names.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..config import Settings
from ..dialog import ActionRunner, Dialog, Notice
from ..engine import Count, Engine, Event, State, Turn
from ..errors import ConfigError, StoreError, StoreFullError
from ..ops import METRICS, Health, Metrics
from ..ops.http import serve_ops
from ..store import StateStore
from ..store.base import Opened
from .api import UNREACHED, BotApi
from .service import BotService
from .updates import Updates

log = logging.getLogger(__name__)

CRISIS_PREFIX = "emergency:"  # the crisis screens (flows/safety/crisis.yaml)
PROBE_EVERY = 20.0  # seconds between two looks at the Bot API's freshness
PROBE_AFTER = 30.0  # call getMe when nothing reached the Bot API for this long


# -- Bot API ---------------------------------------------------------------------------------


class ApiWatch:
    """Every Bot API attempt: an answer from Telegram (even a refusal) marks the Bot API
    reachable; a failure is counted by method and exception type."""

    def __init__(self, metrics: Metrics, health: Health | None = None) -> None:
        self.metrics = metrics
        self.health = health

    def __call__(self, method: str, exc: BaseException | None) -> None:
        if exc is not None:
            self.metrics.telegram_errors.labels(method, type(exc).__name__).inc()
            if isinstance(exc, UNREACHED):
                return
        if self.health is not None:
            self.health.bot_api_answered()


# -- conversations ---------------------------------------------------------------------------


class MeteredDialog(Dialog):
    """The service's dialog, counting what each turn showed; putting a new engine in service
    (a reload) records its version."""

    def __init__(self, engine: Engine, runner: ActionRunner, metrics: Metrics,
                 health: Health | None = None) -> None:
        self.metrics = metrics
        self.health = health
        self._version: str | None = None
        super().__init__(engine, runner)

    @property
    def engine(self) -> Engine:
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._engine = engine
        version = engine.bundle.version
        if self._version is not None:
            self.metrics.content_version.remove(self._version)
        self.metrics.content_version.labels(version).set(1)
        self._version = version
        if self.health is not None:
            self.health.content_version = version

    async def handle(self, state: State | None, event: Event, now: dt.datetime | None = None, *,
                     state_lost: bool = False, notice: Notice | None = None) -> Turn:
        turn = await super().handle(state, event, now, state_lost=state_lost, notice=notice)
        try:
            self.count(state, turn)
        except Exception as exc:  # metrics must never break a conversation
            log.warning("metrics not recorded (%s)", type(exc).__name__)
        return turn

    def count(self, before: State | None, turn: Turn) -> None:
        m = self.metrics
        for effect in turn.effects:
            if isinstance(effect, Count):
                m.child(m.node_views, effect.node, effect.lang).inc()
                if effect.node.startswith(CRISIS_PREFIX):
                    m.child(m.crisis, effect.node.removeprefix(CRISIS_PREFIX), effect.lang).inc()
        if before is not None and turn.state.lang != before.lang:
            m.language_switches.labels(turn.state.lang).inc()


class MeteredStore:
    """A state store counting its failures by operation (``fwb_store_errors``)."""

    def __init__(self, inner: StateStore, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    @contextlib.contextmanager
    def _op(self, name: str) -> Any:
        try:
            yield
        except StoreError as exc:
            kind = "full" if isinstance(exc, StoreFullError) else type(exc).__name__
            self.metrics.store_errors.labels(f"{name}:{kind}").inc()
            raise

    async def open_update(self, key: str, done: str | None,
                          flood: tuple[int, float] | None = None) -> Opened:
        with self._op("open_update"):
            return await self.inner.open_update(key, done, flood)

    async def close_update(self, key: str, opened: Opened, state: State | None,
                           ids: list[int], ttl: int, done: str | None) -> bool:
        with self._op("close_update"):
            return await self.inner.close_update(key, opened, state, ids, ttl, done)

    async def append_ids(self, key: str, ids: list[int], ttl: int) -> None:
        with self._op("append_ids"):
            await self.inner.append_ids(key, ids, ttl)

    async def forget(self, key: str) -> list[int]:
        with self._op("forget"):
            return await self.inner.forget(key)

    async def schedule_erase(self, key: str, masked: str, at: float) -> None:
        with self._op("schedule_erase"):
            await self.inner.schedule_erase(key, masked, at)

    async def cancel_erase(self, key: str) -> None:
        with self._op("cancel_erase"):
            await self.inner.cancel_erase(key)

    async def due_erasures(self, now: float, limit: int = 100) -> list[tuple[str, str]]:
        with self._op("due_erasures"):
            return await self.inner.due_erasures(now, limit)

    async def get(self, key: str) -> State | None:
        with self._op("get"):
            return await self.inner.get(key)

    async def set(self, key: str, state: State, ttl: int) -> None:
        with self._op("set"):
            await self.inner.set(key, state, ttl)

    async def delete(self, key: str) -> None:
        with self._op("delete"):
            await self.inner.delete(key)

    async def close(self) -> None:
        await self.inner.close()


def store_check(store: object) -> Callable[[], Awaitable[None]] | None:
    """The store's readiness round trip (a write and a read), or None (memory store)."""
    inner = store.inner if isinstance(store, MeteredStore) else store
    check = getattr(inner, "health_check", None)
    if check is None:
        return None

    async def bounded() -> None:
        async with asyncio.timeout(3.0):
            await check()

    return bounded


def service_health(service: BotService, clock: Callable[[], float] = time.monotonic
                   ) -> Health:
    """A :class:`Health` for a service: its content, its store, its failed writes."""
    return Health(clock=clock, content_version=service.dialog.engine.bundle.version,
                  store_check=store_check(service.store),
                  write_failure_at=lambda: service.last_write_failure)


# -- the whole --------------------------------------------------------------------------------


class Operations:
    """One bot process's health and metrics. ``Operations(service)`` instruments the service
    (its dialog and store); then :meth:`watch_api` (the Bot API client), :meth:`observe` (the
    updates) and :meth:`start` (the Bot API probe, and in polling mode the HTTP server on
    METRICS_HOST:METRICS_PORT)."""

    def __init__(self, service: BotService, metrics: Metrics = METRICS) -> None:
        self.service = service
        self.metrics = metrics
        self.health = service_health(service)
        if not isinstance(service.store, MeteredStore):
            service.store = MeteredStore(service.store, metrics)
        old = service.dialog
        service.dialog = MeteredDialog(old.engine, old.runner, metrics, self.health)
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None

    def watch_api(self, bot: BotApi) -> None:
        """Count the bot's Bot API calls (each attempt, inside the retries)."""
        bot.watchers.append(ApiWatch(self.metrics, self.health))

    def observe(self, updates: Updates) -> Updates:
        updates.metrics = self.metrics
        return updates

    async def start(self, bot: BotApi, settings: Settings) -> None:
        self._tasks.append(asyncio.create_task(self.probe(bot)))
        if settings.webhook_url or not settings.metrics_port:
            return  # webhook mode: the routes are on the webhook server (bot/telegram/webhook)
        try:
            self._runner = await serve_ops(settings.metrics_host, settings.metrics_port,
                                           self.health, self.metrics)
        except OSError as exc:
            raise ConfigError(f"METRICS_PORT={settings.metrics_port}: cannot listen on "
                              f"{settings.metrics_host} ({exc.strerror or exc}); choose "
                              "another port, or METRICS_PORT=0 for no health/metrics "
                              "server") from None
        log.info("health and metrics on %s:%s", settings.metrics_host, settings.metrics_port)

    async def probe(self, bot: BotApi, every: float = PROBE_EVERY) -> None:
        """Keep "Bot API reached in the last minute" true while it is: when no call went out
        for a while (a quiet webhook), ask ``getMe``."""
        while True:
            last = self.health.last_bot_api_ok
            if last is None or self.health.clock() - last > PROBE_AFTER:
                try:
                    await bot.get_me()
                except Exception as exc:  # readiness says it; the probe goes on
                    log.info("Bot API probe failed (%s)", type(exc).__name__)
            await asyncio.sleep(every)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
