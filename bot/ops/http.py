"""The operator's HTTP routes: /healthz, /readyz, /metrics. Added to the webhook server, or
served alone on METRICS_PORT in polling mode. They never fail because Redis is down: that
only turns /readyz red."""

from __future__ import annotations

from aiohttp import web

from .health import Health
from .metrics import Metrics


def ops_routes(app: web.Application, health: Health, metrics: Metrics) -> None:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "content": health.content_version})

    async def readyz(request: web.Request) -> web.Response:
        ok, problems = await health.ready()
        metrics.ready.set(1 if ok else 0)
        return web.json_response({"status": "ready" if ok else "not ready",
                                  "problems": problems}, status=200 if ok else 503)

    async def exposition(request: web.Request) -> web.Response:
        ok, _ = await health.ready()  # never raises: a failing store only turns it to 0
        metrics.ready.set(1 if ok else 0)
        body, content_type = metrics.exposition()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", exposition)


async def serve_ops(host: str, port: int, health: Health, metrics: Metrics) -> web.AppRunner:
    """Start the routes on their own port (polling mode); the caller cleans the runner up."""
    app = web.Application()
    ops_routes(app, health, metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
