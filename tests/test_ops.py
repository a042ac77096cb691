"""Operators' endpoints: /healthz, /readyz and /metrics (Prometheus text format)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.ops import Health, Metrics
from bot.ops.http import ops_routes


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def _client(health: Health, metrics: Metrics) -> TestClient:  # type: ignore[type-arg]
    app = web.Application()
    ops_routes(app, health, metrics)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_readiness_names_each_reason_and_recovers() -> None:
    clock = Clock()
    store_up = True

    async def check() -> None:
        if not store_up:
            raise ConnectionError("refused")

    health = Health(clock=clock, store_check=check)
    client = await _client(health, Metrics())
    try:
        live = await client.get("/healthz")
        assert live.status == 200  # alive even before anything is loaded
        not_ready = await client.get("/readyz")
        assert not_ready.status == 503
        assert set((await not_ready.json())["problems"]) == {
            "content not loaded", "Bot API not reached in the last minute"}
        health.content_version = "ab12"
        health.bot_api_answered()
        assert (await client.get("/readyz")).status == 200
        store_up = False
        clock.t += 10  # the store is checked again after a few seconds, not on every probe
        body = await (await client.get("/readyz")).json()
        assert body["problems"] == ["state store: ConnectionError"]
        store_up = True
        clock.t += 10
        health.write_failed()
        body = await (await client.get("/readyz")).json()
        assert body["problems"] == ["state store refused a write in the last minute (full?)"]
        clock.t += 61
        health.bot_api_answered()
        assert (await client.get("/readyz")).status == 200
        clock.t += 61
        assert "Bot API not reached in the last minute" in (
            await (await client.get("/readyz")).json())["problems"]
    finally:
        await client.close()


async def test_metrics_parse_and_carry_no_day_label() -> None:
    metrics = Metrics()
    metrics.node_views.labels("sextortion:start", "fr").inc()
    metrics.updates.labels("text", "ok").inc(3)
    metrics.latency.labels("press").observe(0.004)
    metrics.telegram_errors.labels("sendMessage", "TelegramServerError").inc()
    client = await _client(Health(), metrics)
    try:
        response = await client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        families = {f.name: f for f in text_string_to_metric_families(await response.text())}
        assert {"fwb_node_views", "fwb_updates", "fwb_update_seconds",
                "fwb_telegram_errors"} <= set(families)
        samples = [s for f in families.values() for s in f.samples]
        assert all("day" not in s.labels for s in samples)
        views = [s for s in families["fwb_node_views"].samples if s.name.endswith("_total")]
        assert views[0].labels == {"node": "sextortion:start", "lang": "fr"}
    finally:
        await client.close()
