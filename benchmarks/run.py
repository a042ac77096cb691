#!/usr/bin/env python
"""Benchmarks: throughput, latency, start-up, memory and a fuzz soak, with ratios against
baselines measured in the same run. Not a test: it prints figures and writes
``benchmarks/results.json``.

    .venv/bin/python benchmarks/run.py           # full (about ten minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick   # under a minute

Baselines: a bare aiogram echo bot with MemoryStorage (reads its FSM data each update), and a
bare aiogram bot with RedisStorage doing get_data + update_data each update. Each bot encodes
its requests and reads Telegram's answers with its own session's code (aiogram's
AiohttpSession for the baselines, the bot's OrientationSession for ours); the network is
replaced by canned answers shaped like Telegram's (a ``sendMessage`` answer is the whole
message, text included).

Throughput comparisons run each bot in a process of its own (no shared heap, cache or
pydantic class) and make them take turns every ``CHUNK`` updates, then keep the median of
several runs: this machine's speed drifts by a third within seconds."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import multiprocessing
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.fsm.context import FSMContext  # noqa: E402
from aiogram.fsm.storage.memory import MemoryStorage  # noqa: E402
from aiogram.fsm.storage.redis import RedisStorage  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import Message, Update  # noqa: E402

from bot.actions_runner import RasaActionRunner  # noqa: E402
from bot.dialog import Dialog  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.engine.i18n import LANGS, Translator  # noqa: E402
from bot.engine.loader import load_bundle  # noqa: E402
from bot.engine.state import State  # noqa: E402
from bot.store import MemoryStateStore  # noqa: E402
from bot.store.redis import RedisStateStore  # noqa: E402
from bot.telegram.app import build_dispatcher, tune_gc  # noqa: E402
from bot.telegram.service import BotService  # noqa: E402
from bot.telegram.session import OrientationSession  # noqa: E402

NOW = dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC)
BOT_USER = {"id": 1, "is_bot": True, "first_name": "Bot"}
OURS, AIOGRAM = OrientationSession, AiohttpSession  # how each bot encodes its requests


def redis_url() -> str:
    """The benchmark's private redis-server (never the shared 127.0.0.1:6379); worker
    processes read its address from the environment (:func:`start_private_redis`)."""
    return os.environ["FWB_BENCH_REDIS_URL"]


def canned(encoding: type[AiohttpSession]) -> AiohttpSession:
    """A session that encodes each request and reads each answer with ``encoding``'s own
    code (aiogram's form body, serialised as aiohttp does; or the bot's JSON body), the
    network replaced by a canned answer."""

    class Canned(encoding):  # type: ignore[valid-type,misc]
        message_id = 0

        async def make_request(self, bot: Bot, method: TelegramMethod[Any],
                               timeout: int | None = None) -> Any:
            if isinstance(self, OrientationSession):
                self.encode(bot, method)
            else:
                self.build_form_data(bot=bot, method=method)()
            if method.__api_method__ == "sendMessage":  # a whole message, as Telegram says
                self.message_id += 1
                payload = {"ok": True, "result": {
                    "message_id": self.message_id, "date": 1700000000, "from": BOT_USER,
                    "chat": {"id": getattr(method, "chat_id", 1), "type": "private",
                             "first_name": "x"}, "text": getattr(method, "text", "x")}}
            else:
                payload = {"ok": True, "result": True}
            return self.check_response(bot, method, 200, json.dumps(payload)).result

    return Canned()


# -- workload -----------------------------------------------------------------------------

TYPED = ["il menace de publier mes photos", "c'est quoi le grooming", "nudes", "sexto",
         "mon copain veut que je travaille pour lui", "bonjour", "je sais pas quoi faire",
         "un mena a disparu", "5000"]
CRISIS = ["je veux mourir", "il me frappe aide moi", "je dors dehors ce soir"]


def make_updates(engine: Engine, n: int, chats: int, seed: int = 7) -> list[dict[str, Any]]:
    """A realistic mix: /start, button presses (valid data), typed triggers, crisis text."""
    from bot.engine import encode as pack
    from bot.engine import step
    from bot.engine.state import Start

    rnd = random.Random(seed)
    start_turn = step(engine, None, Start(), NOW)
    menu_choices = [b.choice for row in start_turn.replies[0].buttons for b in row if b.choice]
    menu = step(engine, State(), __import__("bot.engine.state", fromlist=["Press"]).Press(
        menu_choices[0]), NOW)
    choices = [b.choice for r in menu.replies for row in r.buttons for b in row if b.choice]
    updates = []
    for i in range(n):
        chat = {"id": 10_000 + rnd.randrange(chats), "type": "private", "first_name": "x"}
        user = {"id": chat["id"], "is_bot": False, "first_name": "x", "language_code": "fr"}
        roll = rnd.random()
        if roll < 0.35:
            choice = rnd.choice(choices)
            assert choice is not None
            updates.append({"update_id": i, "callback_query": {
                "id": str(i), "from": user, "chat_instance": "c", "data": pack(choice),
                "message": {"message_id": 1, "date": 1700000000, "chat": chat,
                            "from": BOT_USER, "text": "x"}}})
            continue
        if roll < 0.50:
            text = "/start"
        elif roll < 0.55:
            text = rnd.choice(CRISIS)
        else:
            text = rnd.choice(TYPED)
        updates.append({"update_id": i, "message": {"message_id": i, "date": 1700000000,
                                                    "chat": chat, "from": user, "text": text}})
    return updates


# -- bots -----------------------------------------------------------------------------------


def echo_dispatcher(storage: Any, write: bool) -> Dispatcher:
    dispatcher = Dispatcher(storage=storage)
    router = Router()

    @router.message(F.text)
    async def on_text(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        if write:
            await state.update_data(n=int(data.get("n", 0)) + 1)
        await message.answer(message.text or "")

    @router.callback_query()
    async def on_cb(query: Any, state: FSMContext) -> None:
        data = await state.get_data()
        if write:
            await state.update_data(n=int(data.get("n", 0)) + 1)
        await query.answer()
        if query.message is not None:
            await query.message.answer("ok")

    dispatcher.include_router(router)
    return dispatcher


def our_dispatcher(engine: Engine, store: Any) -> Dispatcher:
    from bot.store.stats import BufferedStats, MemoryStats, RedisStats, StatsSink

    # as in production (bot/telegram/app.py: open_store): Redis counters are batched
    stats: StatsSink = (BufferedStats(RedisStats(store.counters))
                        if isinstance(store, RedisStateStore) else MemoryStats())
    service = BotService(Dialog(engine, RasaActionRunner()), store, b"bench-secret", ttl=3600,
                         stats=stats, clock=lambda: NOW)
    return build_dispatcher(service)


REPEATS = 3
CHUNK = 200  # updates per turn when two bots alternate (about 0.1 s)


def ratio(ours: dict[str, float], base: dict[str, float]) -> float:
    return round(ours["updates_per_s"] / base["updates_per_s"], 3)


def median_pair(pairs: list[tuple[dict[str, float], dict[str, float]]]
                ) -> tuple[dict[str, float], dict[str, float]]:
    """The (ours, baseline) pair whose ratio is the median of the runs."""
    ordered = sorted(pairs, key=lambda p: ratio(*p))
    return ordered[len(ordered) // 2]


def summarize(pairs: list[tuple[dict[str, float], dict[str, float]]], baseline: str
              ) -> tuple[dict[str, Any], float]:
    """The median run of a comparison, the ratio of every run, and the median ratio."""
    ours, base = median_pair(pairs)
    block = {"ours": ours, baseline: base, "ratios_of_each_run": [ratio(a, b) for a, b in pairs]}
    return block, ratio(ours, base)


def encode_updates(updates: list[dict[str, Any]]) -> list[bytes]:
    """Updates as the webhook receives them: JSON bodies."""
    return [json.dumps(u).encode() for u in updates]


class Runner:
    """One bot fed updates through its dispatcher, timed.

    Throughput runs parse each chunk of JSON updates into ``Update`` objects first, untimed:
    parsing is the same work for every bot (``parse_ms`` in the results says how much), and
    holding only a chunk keeps the heap (and so the garbage collector's work) as small as a
    running bot's. The offered-load runs time the parsing too, as a webhook does it.
    """

    def __init__(self, dispatcher: Dispatcher, encoding: type[AiohttpSession]) -> None:
        self.dispatcher = dispatcher
        self.encoding = encoding
        self.bot = Bot("123456:BENCH", session=canned(encoding))
        self.reset()

    def reset(self) -> None:
        self.latencies: list[float] = []
        self.elapsed = 0.0
        self.parse_s = 0.0

    def parse(self, raw: bytes) -> Update:
        return Update.model_validate_json(raw, context={"bot": self.bot})

    async def handle(self, raw: bytes) -> None:
        await self.dispatcher.feed_update(self.bot, self.parse(raw))

    async def run(self, raws: list[bytes]) -> None:
        t0 = time.perf_counter()
        updates = [self.parse(raw) for raw in raws]
        self.parse_s += time.perf_counter() - t0
        start = time.perf_counter()
        for update in updates:
            t0 = time.perf_counter()
            await self.dispatcher.feed_update(self.bot, update)
            self.latencies.append(time.perf_counter() - t0)
        self.elapsed += time.perf_counter() - start

    def result(self) -> dict[str, float]:
        lat = sorted(self.latencies)
        return {"updates": len(lat), "seconds": round(self.elapsed, 3),
                "updates_per_s": round(len(lat) / self.elapsed, 1),
                "p50_ms": round(1000 * lat[len(lat) // 2], 3),
                "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 3),
                "parse_ms": round(1000 * self.parse_s / len(lat), 3)}


def load_engine() -> Engine:
    bundle, _ = load_bundle(ROOT / "flows")
    assert bundle is not None
    return Engine.build(bundle, Translator.load(ROOT / "locales"))


async def _serve(conn: Connection, kind: str, raws: list[bytes], warm: list[bytes]) -> None:
    """A worker process: builds one bot, then runs the chunks it is told to run."""
    import logging

    logging.disable(logging.WARNING)
    closers: list[Any] = []
    if kind == "ours-memory":
        runner = Runner(our_dispatcher(load_engine(), MemoryStateStore()), OURS)
    elif kind == "echo-memory":
        runner = Runner(echo_dispatcher(MemoryStorage(), write=False), AIOGRAM)
    elif kind == "ours-redis":
        store = RedisStateStore(redis_url())
        closers.append(store.close)
        runner = Runner(our_dispatcher(load_engine(), store), OURS)
    else:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url())
        closers.append(client.aclose)
        runner = Runner(echo_dispatcher(RedisStorage(client), write=True), AIOGRAM)
    await runner.run(warm)
    runner.reset()
    gc.collect()
    conn.send("ready")
    tuned = False
    while True:
        command = conn.recv()
        if command[0] == "run":
            await runner.run(raws[command[1]:command[2]])
            conn.send("done")
        elif command[0] == "result":
            conn.send(runner.result())
            runner.reset()
        elif command[0] == "offered":
            if not tuned:
                tune_gc()  # as the bot does after start-up (bot/telegram/app.py)
                tuned = True
            conn.send(await offered_load(runner.dispatcher, raws[command[1]:command[2]],
                                         command[3], runner.encoding))
        else:
            break
    for close in closers:
        await close()


def serve(conn: Connection, kind: str, raws: list[bytes], warm: list[bytes]) -> None:
    asyncio.run(_serve(conn, kind, raws, warm))


class Worker:
    """One bot in a process of its own (spawned: it shares no heap, cache or pydantic class
    with the other bot), fed the same updates."""

    def __init__(self, kind: str, raws: list[bytes], warm: list[bytes]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(child, kind, raws, warm), daemon=True)
        self.process.start()

    def ready(self) -> None:
        assert self.conn.recv() == "ready"

    def run(self, start: int, end: int) -> None:
        self.conn.send(("run", start, end))
        assert self.conn.recv() == "done"

    def result(self) -> dict[str, float]:
        self.conn.send(("result",))
        result: dict[str, float] = self.conn.recv()
        return result

    def offered(self, start: int, end: int, rate: float) -> dict[str, float]:
        self.conn.send(("offered", start, end, rate))
        result: dict[str, float] = self.conn.recv()
        return result

    def stop(self) -> None:
        self.conn.send(("stop",))
        self.process.join(timeout=30)


def workers(kinds: tuple[str, str], raws: list[bytes], warm: list[bytes]
            ) -> tuple[Worker, Worker]:
    """Two bots, each in its own process, started together."""
    pair = Worker(kinds[0], raws, warm), Worker(kinds[1], raws, warm)
    for worker in pair:
        worker.ready()
    return pair


def compare(ours: Worker, base: Worker, n: int, repeats: int
            ) -> list[tuple[dict[str, float], dict[str, float]]]:
    """The two bots take turns on chunks of the same ``n`` updates, first one then the
    other, so a slower or faster stretch of the machine falls on both alike."""
    pairs = []
    for _ in range(repeats):
        for turn, i in enumerate(range(0, n, CHUNK)):
            for worker in (ours, base) if turn % 2 == 0 else (base, ours):
                worker.run(i, i + CHUNK)
        pairs.append((ours.result(), base.result()))
    return pairs


async def offered_load(dispatcher: Dispatcher, raws: list[bytes], rate: float,
                       encoding: type[AiohttpSession]) -> dict[str, float]:
    """Updates arrive every 1/rate s (open loop), each handled as its own task, as the
    webhook server does (JSON body parsed, then dispatched). Latency runs from the moment an
    update arrives (waiting behind other updates included) to the moment it is handled; how
    late the generator itself was (timer granularity) is reported apart as
    ``generator_lag``."""
    runner = Runner(dispatcher, encoding)
    latencies: list[float] = []
    lags: list[float] = []
    interval = 1.0 / rate
    start = time.perf_counter()

    async def one(raw: bytes, arrived: float) -> None:
        await runner.handle(raw)
        latencies.append(time.perf_counter() - arrived)

    tasks = []
    for i, raw in enumerate(raws):
        due = start + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        arrived = time.perf_counter()
        lags.append(arrived - due)
        tasks.append(asyncio.create_task(one(raw, arrived)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies.sort()
    lags.sort()
    return {"rate": rate, "achieved_rate": round(len(raws) / elapsed, 1),
            "updates": len(raws),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 3),
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 3),
            "max_ms": round(1000 * latencies[-1], 3),
            "generator_lag_p99_ms": round(1000 * lags[int(len(lags) * 0.99)], 3)}


def machine_noise(seconds: float) -> dict[str, float]:
    """How steady this machine is: the same small pure-Python task, timed again and again.
    On a shared virtual machine its p99 can be many times its median; latency percentiles
    of any bot measured here inherit that."""
    data = [{"id": i, "text": "x" * 40, "buttons": [1, 2, 3]} for i in range(30)]
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        json.loads(json.dumps(data))
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"task_ms_p50": round(1000 * times[len(times) // 2], 3),
            "task_ms_p99": round(1000 * times[int(len(times) * 0.99)], 3),
            "task_ms_max": round(1000 * times[-1], 3)}


# -- start-up and memory ----------------------------------------------------------------------


def startup() -> dict[str, float]:
    translator = Translator.load(ROOT / "locales")
    t0 = time.perf_counter()
    bundle, report = load_bundle(ROOT / "flows", langs=LANGS, translator=translator)
    Engine.build(bundle, translator) if bundle else None
    load_s = time.perf_counter() - t0
    assert bundle is not None and not report.errors
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "lint"], cwd=ROOT, capture_output=True,
                   check=True)
    lint_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_s = time.perf_counter() - t0
    return {"startup_s": round(load_s, 3), "lint_s": round(lint_s, 3),
            "python_start_s": round(python_s, 3)}


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


IDLE_CODE = """
import sys
sys.path.insert(0, sys.argv[1])
from bot.config import Settings
from bot.store import MemoryStateStore  # noqa: E402
from bot.telegram.app import build_dispatcher, build_engine, build_service
settings = Settings.load({})
engine = build_engine(settings)
dispatcher = build_dispatcher(build_service(settings, engine, MemoryStateStore(), None))
print(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
"""


def idle_rss() -> float:
    """RSS of a fresh process holding the whole bot, ready, before any update."""
    out = subprocess.run([sys.executable, "-c", IDLE_CODE, str(ROOT)], capture_output=True,
                         text=True, check=True)
    return round(int(out.stdout.strip().splitlines()[-1]) / 1024, 1)


def realistic_state(i: int) -> State:
    """Twelve exchanges in: 24 messages to delete on /forget, one of them already gone."""
    return State(lang="fr", audience="young", at="sextortion:what_now",
                 back=("menu:young", "sextortion:start"), greeted=True,
                 message_ids=(*range(1000 + i, 1010 + i), *range(1011 + i, 1025 + i)))


async def memory_per_conversation(n: int) -> dict[str, float]:
    gc.collect()
    before = rss_mib()
    store = MemoryStateStore(max_chats=n + 1)
    for i in range(n):
        await store.set(f"fwb:s:{i:024x}", realistic_state(i), 3600)
    gc.collect()
    after = rss_mib()
    return {"conversations": n, "rss_growth_mib": round(after - before, 1),
            "bytes_per_conversation_memory": round((after - before) * 1024 * 1024 / n, 1)}


async def redis_bytes(n: int) -> dict[str, float]:
    """Memory per conversation: its state key and its message-id list (the 24 ids)."""
    from dataclasses import replace

    from bot.store.base import ids_key

    store = RedisStateStore(redis_url())
    await store.client.flushdb()  # the benchmark's own private server
    for i in range(n):
        key = f"fwb:s:{i:024x}"
        opened = await store.open_update(key, None)
        state = realistic_state(i)
        await store.close_update(key, opened, replace(state, message_ids=()),
                                 list(state.message_ids), 3600, None)
    sizes = [await store.client.memory_usage(f"fwb:s:{i:024x}")
             + await store.client.memory_usage(ids_key(f"fwb:s:{i:024x}"))
             for i in range(0, n, 10)]
    await store.client.flushdb()
    await store.close()
    return {"redis_bytes_per_conversation": round(statistics.mean(sizes), 1),
            "state_json_bytes": len(replace(realistic_state(0), message_ids=()).to_json()
                                    .encode())}


# -- soak -------------------------------------------------------------------------------------


async def soak(engine: Engine, n: int) -> dict[str, float]:
    """Fuzzed updates (random text, forged callbacks, media, locations) through the adapter."""
    rnd = random.Random(11)
    dispatcher = our_dispatcher(engine, MemoryStateStore())
    bot = Bot("123456:SOAK", session=canned(OURS))
    errors = 0
    alphabet = "abcdefghijklmnopqrstuvwxyzéèàç 0123456789?!'\u200f\u200bمرحبا你好ыж"
    datas = ["", "g:zz:1:1", "x:h", "x:k", "x:m", "l:ar", "l:xx", "o:0000:5", "p:0:9",
             "g:" + engine.bundle.version + ":3:0", "💥" * 20, "a" * 64]
    t0 = time.perf_counter()
    for i in range(n):
        chat = {"id": 50_000 + rnd.randrange(500), "type": "private", "first_name": "x"}
        user = {"id": chat["id"], "is_bot": False, "first_name": "x",
                "language_code": rnd.choice(["fr", "ar", "nl", None, "zz"])}
        roll = rnd.random()
        msg: dict[str, Any] = {"message_id": i + 1, "date": 1700000000, "chat": chat,
                               "from": user}
        if roll < 0.3:
            payload: dict[str, Any] = {"callback_query": {
                "id": str(i), "from": user, "chat_instance": "c", "data": rnd.choice(datas),
                "message": {**msg, "from": BOT_USER, "text": "x"}}}
        elif roll < 0.4:
            payload = {"message": {**msg, "photo": [{"file_id": "f", "file_unique_id": "u",
                                                     "width": 1, "height": 1}]}}
        elif roll < 0.45:
            payload = {"message": {**msg, "location": {"latitude": rnd.uniform(-90, 90),
                                                       "longitude": rnd.uniform(-180, 180)}}}
        elif roll < 0.5:
            payload = {"edited_message": {**msg, "edit_date": 1, "text": "edit"}}
        else:
            size = rnd.choice([0, 1, 5, 30, 200, 5000])
            text = "".join(rnd.choice(alphabet) for _ in range(size)) or "/" + rnd.choice(
                ["start", "menu", "saj", "forget", "language", "zzz"])
            payload = {"message": {**msg, "text": text}}
        try:
            update = Update.model_validate({"update_id": i, **payload}, context={"bot": bot})
            await dispatcher.feed_update(bot, update)
        except Exception:  # counted, not raised: the soak reports how many
            errors += 1
    return {"soak_updates": n, "soak_unhandled_exceptions": errors,
            "soak_seconds": round(time.perf_counter() - t0, 1)}


# -- main -------------------------------------------------------------------------------------


def start_private_redis() -> Any:
    """A redis-server of the benchmark's own on a free port (None if not installed)."""
    import shutil
    import socket
    import subprocess
    import tempfile

    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tempfile.gettempdir()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    os.environ["FWB_BENCH_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    return proc


async def redis_part(raws: list[bytes], warm: list[bytes], quick: bool) -> dict[str, Any]:
    """Ours with Redis against aiogram's RedisStorage (get_data + update_data per update)."""
    results: dict[str, Any] = {}
    server = start_private_redis()
    if server is not None:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url())
        await client.flushdb()
        ours_w, base_w = workers(("ours-redis", "aiogram-redis"), raws, warm)
        pairs = compare(ours_w, base_w, len(raws), 1 if quick else REPEATS)
        ours_w.stop()
        base_w.stop()
        await client.flushdb()
        await client.aclose()
        results["redis"], results["redis_ratio"] = summarize(pairs,
                                                             "baseline_aiogram_redisstorage")
        ours_r = results["redis"]["ours"]
        base_r = results["redis"]["baseline_aiogram_redisstorage"]
        print(f"redis: ours {ours_r['updates_per_s']}/s vs aiogram RedisStorage "
              f"{base_r['updates_per_s']}/s -> ratio {results['redis_ratio']} "
              f"(runs: {results['redis']['ratios_of_each_run']})")
        results.update(await redis_bytes(2000 if quick else 10000))
        server.kill()
        server.wait()
    else:
        results["redis_ratio"] = None
        results["redis_bytes_per_conversation"] = None
        print("redis: redis-server is not installed, skipped")

    return results


async def main(quick: bool) -> dict[str, Any]:
    import logging

    logging.disable(logging.WARNING)  # the runs must not print per-update warnings
    n, chats = (2000, 300) if quick else (20000, 1000)
    results_noise = machine_noise(1.0 if quick else 5.0)
    translator = Translator.load(ROOT / "locales")
    bundle, _ = load_bundle(ROOT / "flows")
    assert bundle is not None
    engine = Engine.build(bundle, translator)
    raws = encode_updates(make_updates(engine, n, chats))
    results: dict[str, Any] = {"quick": quick, "machine": {
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "platform": platform.platform(), "processor": platform.processor() or "unknown",
        "noise": results_noise}}
    print(f"machine noise: a fixed {results_noise['task_ms_p50']} ms task takes "
          f"{results_noise['task_ms_p99']} ms at p99, {results_noise['task_ms_max']} ms at most")

    warm = encode_updates(make_updates(engine, 300, 50, seed=1))
    ours_w, echo_w = workers(("ours-memory", "echo-memory"), raws, warm)
    pairs = compare(ours_w, echo_w, len(raws), 1 if quick else REPEATS)
    results["memory"], results["memory_ratio"] = summarize(pairs, "baseline_echo_memorystorage")
    ours, base = results["memory"]["ours"], results["memory"]["baseline_echo_memorystorage"]
    print(f"memory storage: ours {ours['updates_per_s']}/s vs echo {base['updates_per_s']}/s "
          f"-> ratio {results['memory_ratio']} (runs: {results['memory']['ratios_of_each_run']})")

    results.update(await redis_part(raws, warm, quick))
    # the same two processes, now with the GC tuning of the running bot (both, so that the
    # echo bot's figures show what this machine does to any aiogram bot)
    loads, echo_loads = [], []
    for i in range(1 if quick else REPEATS):  # ours, then the echo bot, back to back
        start, end = i * 5000, i * 5000 + (1000 if quick else 5000)
        loads.append(ours_w.offered(start, end, 500.0))
        echo_loads.append(echo_w.offered(start, end, 500.0))
    ours_w.stop()
    echo_w.stop()
    load = sorted(loads, key=lambda r: r["p99_ms"])[len(loads) // 2]
    echo_load = sorted(echo_loads, key=lambda r: r["p99_ms"])[len(echo_loads) // 2]
    results["offered_load_500"] = {**load, "p99_ms_of_each_run": [r["p99_ms"] for r in loads],
                                   "echo_baseline": echo_load}
    results["p99_ms_at_500"] = load["p99_ms"]
    print(f"at 500 updates/s offered: p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms "
          f"(runs: {[r['p99_ms'] for r in loads]}); bare echo bot under the same load: "
          f"p99 {echo_load['p99_ms']} ms")

    results.update(startup())
    print(f"start-up (load + validate, {len(LANGS)} languages): {results['startup_s']} s; "
          f"lint: {results['lint_s']} s (python alone {results['python_start_s']} s)")
    results["idle_rss_mib"] = idle_rss()
    results.update(await memory_per_conversation(20000 if quick else 100000))
    print(f"idle RSS {results['idle_rss_mib']} MiB; {results['conversations']} conversations "
          f"in memory: +{results['rss_growth_mib']} MiB; Redis bytes/conversation: "
          f"{results['redis_bytes_per_conversation']}")
    results.update(await soak(engine, 1500 if quick else 100000))
    print(f"soak: {results['soak_updates']} fuzzed updates, "
          f"{results['soak_unhandled_exceptions']} unhandled exceptions")
    return results


def markdown(res: dict[str, Any]) -> str:
    """The table of docs/performance.md, from a results.json."""
    m, r = res["memory"], res.get("redis") or {}
    ours_r = r.get("ours", {})
    base_r = r.get("baseline_aiogram_redisstorage", {})
    load = res["offered_load_500"]

    def ok(flag: bool) -> str:
        return "met" if flag else "**not met**"

    def spread(block: dict[str, Any]) -> str:
        runs = block.get("ratios_of_each_run") or []
        return f"(runs {min(runs)}–{max(runs)})" if len(runs) > 1 else ""

    rows = [
        ("updates/s, memory storage (ours / aiogram echo)",
         f"{m['ours']['updates_per_s']} / {m['baseline_echo_memorystorage']['updates_per_s']}",
         f"ratio {res['memory_ratio']} {spread(m)}", f"≥ 1.0: {ok(res['memory_ratio'] >= 1.0)}"),
        ("p50 / p99 per update, memory (ours)",
         f"{m['ours']['p50_ms']} / {m['ours']['p99_ms']} ms", "", ""),
        ("updates/s, Redis (ours / aiogram RedisStorage get+update_data)",
         f"{ours_r.get('updates_per_s')} / {base_r.get('updates_per_s')}",
         f"ratio {res['redis_ratio']} {spread(r)}",
         f"≥ 1.5: {ok((res['redis_ratio'] or 0) >= 1.5)}"),
        ("latency at 500 updates/s offered (p50 / p99 / max), median run",
         f"{load['p50_ms']} / {load['p99_ms']} / {load['max_ms']} ms",
         f"p99 of each run {load.get('p99_ms_of_each_run')}; bare aiogram echo bot, same "
         f"load: p99 {load.get('echo_baseline', {}).get('p99_ms')} ms",
         f"p99 < 5 ms: {ok(load['p99_ms'] < 5)}"),
        ("start-up: load + validate all flows, 13 languages", f"{res['startup_s']} s", "",
         f"< 1 s: {ok(res['startup_s'] < 1)}"),
        ("`python -m bot lint` (whole process)", f"{res['lint_s']} s", "",
         f"< 2 s: {ok(res['lint_s'] < 2)}"),
        ("Redis bytes per conversation (MEMORY USAGE, state + message-id list)",
         f"{res['redis_bytes_per_conversation']}", f"state JSON {res['state_json_bytes']} B",
         f"≤ 300: {ok((res['redis_bytes_per_conversation'] or 999) <= 300)}"),
        ("idle RSS of the bot process", f"{res['idle_rss_mib']} MiB", "", ""),
        (f"RSS growth for {res['conversations']:,} conversations in memory",
         f"{res['rss_growth_mib']} MiB", f"{res['bytes_per_conversation_memory']} B each", ""),
        ("soak: fuzzed updates through the adapter",
         f"{res['soak_updates']:,} in {res['soak_seconds']} s",
         f"{res['soak_unhandled_exceptions']} unhandled exceptions",
         f"0: {ok(res['soak_unhandled_exceptions'] == 0)}"),
    ]
    head = ["| measure | figure | detail | target |", "|---|---|---|---|"]
    machine = res["machine"]
    noise = machine.get("noise", {})
    return "\n".join([*head, *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows), "",
                      f"Machine: {machine['cpus']} CPUs, {machine['platform']}, Python "
                      f"{machine['python']}; run {'--quick' if res['quick'] else 'full'} in "
                      f"{res.get('benchmark_seconds')} s. Machine noise: a fixed "
                      f"{noise.get('task_ms_p50')} ms task took {noise.get('task_ms_p99')} ms "
                      f"at p99 and {noise.get('task_ms_max')} ms at most."])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (under a minute)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--markdown", metavar="RESULTS",
                        help="print the docs/performance.md table of a results.json and exit")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text(encoding="utf-8"))))
        sys.exit(0)
    t0 = time.perf_counter()
    res = asyncio.run(main(args.quick))
    res["benchmark_seconds"] = round(time.perf_counter() - t0, 1)
    Path(args.output).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.output} ({res['benchmark_seconds']} s)")
