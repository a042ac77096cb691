"""Unique memory of one more pre-forked worker (``WORKERS``): what a second core costs.

    python benchmarks/workers.py        # prints the figures, writes extra_worker_uss_mib

Starts ``python -m bot run`` in webhook mode with ``WORKERS=2`` against a small fake Bot API
and a private redis-server, reads each worker's USS (its private pages:
/proc/<pid>/smaps_rollup) and PSS once it is ready, then sends 600 updates (/start, the
worker's own language menu, a typed message, in French, Dutch, English and Arabic), each on
a new connection so that the kernel spreads them over both workers (one kept-alive
connection would feed one worker only), and reads them again. The figure is the largest USS
after the traffic: what a worker that served its share owns. The content is loaded once,
before the fork, and frozen for the garbage collector, so most of it stays shared; what a
worker owns is what it wrote since.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

from aiohttp import ClientSession, TCPConnector, web
from private_redis import PrivateRedis, free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET = "bench-secret"


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0])
    return {"uss": fields["Private_Clean"] + fields["Private_Dirty"], "pss": fields["Pss"],
            "rss": fields["Rss"]}


async def fake_api() -> tuple[web.AppRunner, str]:
    counter = {"id": 1000}

    async def handle(request: web.Request) -> web.Response:
        counter["id"] += 1
        method = request.match_info["method"]
        result: object = True
        if method == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "bench_bot"}
        elif method in ("sendMessage", "editMessageText"):
            result = {"message_id": counter["id"], "date": 1700000000,
                      "chat": {"id": 1, "type": "private"}, "text": "x"}
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


async def main() -> dict[str, object]:
    runner, base = await fake_api()
    port = free_port()
    with PrivateRedis() as redis:
        assert redis.url, "redis-server is needed"
        env = {**os.environ, "BOT_TOKEN": "123456:WORKERS-BENCH-xxxxxxxxxxxxxxxx",
               "BOT_API_BASE": base, "WEBHOOK_URL": base + "/hook", "WEBHOOK_SECRET": SECRET,
               "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port), "REDIS_URL": redis.url,
               "LOG_LEVEL": "WARNING", "WORKERS": "2", "STATS": "false"}
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run",
                                                    cwd=ROOT, env=env)
        try:
            async with ClientSession() as http:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                            if r.status == 200:
                                break
                    except OSError:
                        await asyncio.sleep(0.2)
                await asyncio.sleep(1.0)
                idle = [memory_kib(pid) for pid in children(proc.pid)]
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            texts = ("/start", "/language", "il me menace de publier mes photos")
            async with ClientSession(connector=TCPConnector(force_close=True)) as http:
                for i in range(200):
                    chat = {"id": 5000 + i, "type": "private", "first_name": "A"}
                    user = {"id": 5000 + i, "is_bot": False, "first_name": "A",
                            "language_code": ("fr", "nl", "en", "ar")[i % 4]}
                    for j, text in enumerate(texts):
                        update = {"update_id": len(texts) * i + j + 1, "message": {
                            "message_id": j + 1, "date": 1700000000, "chat": chat,
                            "from": user, "text": text}}
                        async with http.post(f"http://127.0.0.1:{port}/telegram",
                                             json=update, headers=headers) as r:
                            assert r.status == 200
            await asyncio.sleep(0.5)
            workers = [memory_kib(pid) for pid in children(proc.pid)]
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
    await runner.cleanup()
    extra = max(w["uss"] for w in workers) / 1024
    return {"workers": workers, "workers_idle": idle, "extra_worker_uss_mib": round(extra, 1)}


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(json.dumps(figures, indent=2))
    path = HERE / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    results["extra_worker_uss_mib"] = figures["extra_worker_uss_mib"]
    results["workers"] = figures["workers"]
    results["workers_idle"] = figures["workers_idle"]
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"extra_worker_uss_mib = {figures['extra_worker_uss_mib']} written to {path}")
