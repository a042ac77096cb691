#!/usr/bin/env python
"""Where does the latency tail at 500 updates/s come from? (docs/performance.md)

Offers the same open-loop load to three bots, each in a fresh process:

- a bare aiogram echo bot in a process that imports nothing of this project;
- our bot, garbage collector tuned as in production (``tune_gc``);
- our bot, garbage collector switched off entirely.

If all three show the same tail, the tail is the machine's, not the code's.

    .venv/bin/python benchmarks/latency_probe.py [--updates 3000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PURE_ECHO = r'''
import asyncio, json, sys, time
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Message, Update

class Canned(AiohttpSession):
    async def make_request(self, bot, method, timeout=None):
        self.build_form_data(bot=bot, method=method)()
        payload = {"ok": True, "result": {"message_id": 1, "date": 1700000000,
                   "from": {"id": 1, "is_bot": True, "first_name": "B"},
                   "chat": {"id": 1, "type": "private", "first_name": "x"}, "text": "x"}}
        return self.check_response(bot, method, 200, json.dumps(payload)).result

router = Router()

@router.message(F.text)
async def echo(message: Message) -> None:
    await message.answer(message.text)

dispatcher = Dispatcher(storage=MemoryStorage())
dispatcher.include_router(router)
bot = Bot("1:x", session=Canned())
n = int(sys.argv[1])
raws = [json.dumps({"update_id": i, "message": {"message_id": i, "date": 1700000000,
        "chat": {"id": 10000 + i % 300, "type": "private", "first_name": "x"},
        "from": {"id": 10000 + i % 300, "is_bot": False, "first_name": "x"},
        "text": "bonjour"}}).encode() for i in range(n + 300)]

async def main() -> None:
    for raw in raws[:300]:
        await dispatcher.feed_update(bot, Update.model_validate_json(raw, context={"bot": bot}))
    latencies, tasks = [], []
    start = time.perf_counter()

    async def one(raw, arrived):
        await dispatcher.feed_update(bot, Update.model_validate_json(raw, context={"bot": bot}))
        latencies.append(time.perf_counter() - arrived)

    for i, raw in enumerate(raws[300:]):
        delay = start + i / 500 - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw, time.perf_counter())))
    await asyncio.gather(*tasks)
    latencies.sort()
    print(json.dumps({"p50_ms": round(1000 * latencies[len(latencies) // 2], 3),
                      "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 3)}))

asyncio.run(main())
'''

OURS = r'''
import asyncio, gc, json, sys
sys.path.insert(0, sys.argv[3])
sys.path.insert(0, sys.argv[3] + "/benchmarks")
import logging
logging.disable(logging.WARNING)
import inprocess as B
from bot.store import MemoryStateStore
from bot.telegram.app import tune_gc

async def main() -> None:
    engine = B.load_engine()
    raws = B.encode_updates(B.make_updates(engine, int(sys.argv[1]), 300))
    dispatcher = B.our_dispatcher(engine, MemoryStateStore())
    await B.Runner(dispatcher, B.OURS).run(  # warm-up
        B.encode_updates(B.make_updates(engine, 300, 50, seed=1)))
    tune_gc()
    if sys.argv[2] == "off":
        gc.disable()
    load = await B.offered_load(dispatcher, raws, 500.0, B.OURS)
    print(json.dumps({"p50_ms": load["p50_ms"], "p99_ms": load["p99_ms"]}))

asyncio.run(main())
'''


def run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=3000)
    n = str(parser.parse_args().updates)
    for name, code, extra in (
            ("bare aiogram echo bot (imports nothing of ours)", PURE_ECHO, ()),
            ("our bot, GC tuned as in production", OURS, ("tuned", str(ROOT))),
            ("our bot, GC off", OURS, ("off", str(ROOT)))):
        figures = run(code, n, *extra)
        print(f"{name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
