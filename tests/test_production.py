"""Production behaviour: webhook secret, replicas sharing Redis, Redis outage, hot reload."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.dialog import Dialog
from bot.engine.state import Start
from bot.store import MemoryStateStore
from bot.store.redis import RedisStateStore
from bot.telegram.api import BotApi
from bot.telegram.app import build_updates, reload_content
from bot.telegram.service import BotService
from bot.telegram.webhook import build_webhook_app

from .conftest import NOW, ROOT, free_port
from .fakes.botapi import BOT_USER, CHAT, USER, FakeBotAPI
from .fakes.session import RecordingSession
from .redis_util import RedisServer, start_redis_server

SECRET = "s3cret-token_for-tests"


def settings(**env: str) -> Settings:
    base = {"BOT_TOKEN": "123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", "WEBHOOK_URL": "https://bot.example.org",
            "WEBHOOK_SECRET": SECRET, "WEBHOOK_PATH": "/telegram"}
    return Settings.load({**base, **env})


def update(update_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 1700000000,
                                                 "chat": CHAT, "from": USER, "text": text}}


@pytest.fixture
async def webhook(dialog: Dialog) -> AsyncIterator[tuple[TestClient, RecordingSession]]:
    session = RecordingSession()
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, MemoryStateStore(), b"k", clock=lambda: NOW)
    app = build_webhook_app(settings(), bot, build_updates(service), service)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, session
    await client.close()


async def test_webhook_refuses_requests_without_the_secret(
        webhook: tuple[TestClient, RecordingSession]) -> None:
    client, session = webhook
    no_secret = await client.post("/telegram", json=update(1, "/start"))
    wrong = await client.post("/telegram", json=update(2, "/start"),
                              headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
    assert (no_secret.status, wrong.status) == (401, 401)
    assert session.calls == []
    ok = await client.post("/telegram", json=update(3, "/start"),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert ok.status == 200
    assert session.methods() == ["SendMessage"]  # handled before the 200, not after


async def test_health_and_metrics(webhook: tuple[TestClient, RecordingSession]) -> None:
    client, _ = webhook
    await client.post("/telegram", json=update(1, "/start"),
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    health = await client.get("/healthz")
    assert health.status == 200 and (await health.json())["status"] == "ok"
    metrics = await client.get("/metrics")
    assert metrics.status == 200


def test_webhook_without_secret_refuses_to_start() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_SECRET"}
    env.update({"BOT_TOKEN": "123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", "WEBHOOK_URL": "https://bot.example.org"})
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and "WEBHOOK_SECRET" in proc.stderr


# -- two replicas sharing Redis ------------------------------------------------------------


async def start_replica(api_base: str, port: int, redis_url: str) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.update({"BOT_TOKEN": "123456:REPLICA-xxxxxxxxxxxxxxxxxxxxxx", "BOT_API_BASE": api_base,
                "WEBHOOK_URL": api_base + "/hook", "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
                "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"})
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def wait_healthy(port: int, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    async with ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"replica on {port} did not start")


async def post_update(port: int, payload: dict[str, object]) -> int:
    async with ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}/telegram", json=payload,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
        return r.status


@pytest.mark.redis
async def test_two_replicas_continue_one_conversation(redis_server: RedisServer) -> None:
    redis_url = redis_server.url
    cleaner = RedisStateStore(redis_url)
    api = FakeBotAPI()
    base = await api.start()
    ports = [free_port(), free_port()]
    procs = [await start_replica(base, p, redis_url) for p in ports]
    try:
        for port in ports:
            await wait_healthy(port)
        n = 0

        def cb(data: str) -> dict[str, object]:
            nonlocal n
            n += 1
            return {"update_id": 1000 + n, "callback_query": {
                "id": f"q{n}", "from": USER, "chat_instance": "c", "data": data,
                "message": {"message_id": 1, "date": 1700000000, "chat": CHAT,
                            "from": BOT_USER, "text": "x"}}}

        def button(message: dict[str, object], part: str) -> str:
            markup = message["reply_markup"]
            assert isinstance(markup, dict)
            return next(b["callback_data"] for row in markup["inline_keyboard"] for b in row
                        if part in b["text"])

        assert await post_update(ports[0], update(1, "/start")) == 200
        sent = await api.wait_sent(1)
        assert await post_update(ports[1], cb(button(sent[-1], "jeune"))) == 200
        sent = await api.wait_sent(2)
        assert await post_update(ports[0], cb(button(sent[-1], "chantage"))) == 200
        sent = await api.wait_sent(3)
        # "Back" needs the back-stack written by the other replica
        assert await post_update(ports[1], cb(button(sent[-1], "Retour"))) == 200
        sent = await api.wait_sent(4)
        assert "De quoi veux-tu parler" in str(sent[-1]["text"])
        keys = [k async for k in cleaner.client.scan_iter(match="fwb:s:*")]
        assert len(keys) == 1 and str(CHAT["id"]).encode() not in keys[0]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                raise AssertionError("a replica did not stop within 20 s of SIGTERM") from None
            assert proc.stderr is not None
            err = (await proc.stderr.read()).decode()
            assert "Traceback" not in err, err
        await api.stop()
        await cleaner.close()


# -- Redis stopped and restarted mid-conversation --------------------------------------------


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    port = free_port()
    procs = [start_redis_server(port, tmp_path)]
    yield port, procs
    for proc in procs:
        proc.kill()
        proc.wait()


async def test_redis_outage_keeps_answering_then_recovers(
        dialog: Dialog, private_redis: tuple[int, list[subprocess.Popen[bytes]]],
        tmp_path: Path) -> None:
    port, procs = private_redis
    store = RedisStateStore(f"redis://127.0.0.1:{port}/0")
    session = RecordingSession()
    bot = BotApi("123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(dialog, store, b"k", clock=lambda: NOW)
    await service.handle(bot, 1, Start())
    procs[-1].kill()
    procs[-1].wait()
    sent = await service.handle(bot, 1, Start())  # Redis is down: still an answer
    assert sent
    assert any("souci technique" in t for t in session.sent_texts()[-2:])
    procs.append(start_redis_server(port, tmp_path))
    for _ in range(100):
        try:
            await store.ping()
            break
        except Exception:
            await asyncio.sleep(0.05)
    await service.handle(bot, 1, Start())
    keys = sorted(k[:6] for k in await store.client.keys("*"))
    assert keys == [b"fwb:m:", b"fwb:s:"]  # state and ids written again after recovery
    await store.close()


# -- hot reload --------------------------------------------------------------------------------


def test_hot_reload_keeps_old_flows_on_a_bad_edit(dialog: Dialog, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    content = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", content)
    service = BotService(dialog, MemoryStateStore(), b"k")
    cfg = Settings.load({"FLOWS_DIR": str(content), "LOCALES_DIR": str(ROOT / "locales")})
    before = service.dialog.engine
    target = content / "common" / "menu.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "goto: \"sextortion:start\"", "goto: \"sextortoin:start\""), encoding="utf-8")
    assert reload_content(service, cfg) is False
    assert service.dialog.engine is before
    assert "menu.yaml:" in caplog.text and "[unknown-target]" in caplog.text
    target.write_text(target.read_text(encoding="utf-8").replace(
        "sextortoin", "sextortion").replace("De quoi veux-tu parler ?",
                                           "De quoi veux-tu parler ? 🙂"), encoding="utf-8")
    assert reload_content(service, cfg) is True
    assert service.dialog.engine is not before
    assert service.dialog.engine.bundle.version != before.bundle.version


@pytest.mark.redis
async def test_pre_forked_workers_share_one_port(redis_server: RedisServer) -> None:
    """WORKERS=2: the content is loaded once, two workers answer on one port, SIGTERM stops
    all of them cleanly, and only one sets the webhook."""
    api = FakeBotAPI()
    base = await api.start()
    port = free_port()
    env = dict(os.environ)
    env.update({"BOT_TOKEN": "123456:WORKERS-xxxxxxxxxxxxxxxxxxxxxx", "BOT_API_BASE": base,
                "WEBHOOK_URL": base + "/hook", "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
                "REDIS_URL": redis_server.url, "LOG_LEVEL": "WARNING", "WORKERS": "2"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        await wait_healthy(port)
        await asyncio.sleep(1.0)  # both workers up
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 2
        for i in range(1, 5):
            assert await post_update(port, {"update_id": i, "message": {
                "message_id": i, "date": 1700000000, "chat": {**CHAT, "id": 900 + i},
                "from": {"id": 900 + i, "is_bot": False, "first_name": "A"},
                "text": "/start"}}) == 200
        sent = await api.wait_sent(4)
        assert all("assistant automatique" in str(m["text"]) for m in sent[:4])
        assert api.calls.count("setWebhook") == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert proc.stderr is not None
        stderr = (await proc.stderr.read()).decode(errors="replace")
        await api.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr


def test_workers_need_a_webhook_and_redis() -> None:
    from bot.config import Settings
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="WORKERS=2 needs WEBHOOK_URL"):
        Settings.load({"WORKERS": "2"})


def test_workers_import_the_redis_client_before_the_fork() -> None:
    """``preload``: what each worker would import after the fork (the Redis client and the
    150 modules it pulls in) is imported once before it, so the workers share those pages
    (benchmarks/workers.py: 30 MiB of private memory per worker without it, 19 with it); a
    memory-mode bot still does not load the Redis client."""
    code = """
import sys
from bot.config import Settings
from bot.telegram.app import preload
TOKEN = "123456:WORKERS-xxxxxxxxxxxxxxxxxxxxxx"
assert "redis" not in sys.modules
preload(Settings.load({"BOT_TOKEN": TOKEN}))
assert "redis" not in sys.modules
preload(Settings.load({"BOT_TOKEN": TOKEN, "REDIS_URL": "redis://127.0.0.1:1/0"}))
assert "redis.asyncio" in sys.modules and "bot.store.redis" in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
