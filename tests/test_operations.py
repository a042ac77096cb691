"""Operations wired into the Telegram bot (issue 18): metrics after real updates, readiness
against a private Redis, the webhook's door against hostile or broken input, Bot API faults
(HTML 5xx, long retry_after), unreadable catalogs on start and on SIGHUP."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from bot.dialog import Dialog
from bot.errors import ConfigError
from bot.logs import REDACTED, Redactor
from bot.ops import Metrics
from bot.store import MemoryStateStore
from bot.store.redis import RedisStateStore
from bot.telegram.api import BotApi, HttpTransport, ProxyServerError, RetryAfterError
from bot.telegram.app import build_updates, reload_content
from bot.telegram.observe import ApiWatch, MeteredStore, Operations
from bot.telegram.retry import Retry, update_budget
from bot.telegram.service import BotService
from bot.telegram.webhook import build_webhook_app

from .conftest import NOW, ROOT, free_port
from .fakes.botapi import FakeBotAPI
from .fakes.session import CHAT, RecordingSession
from .redis_util import RedisServer

TOKEN = "123456:TEST-xxxxxxxxxxxxxxxxxxxxxxxxx"
SECRET = "s3cret-token_for-tests"
USER = {"id": 777001, "is_bot": False, "first_name": "Ado", "last_name": "Quidam",
        "username": "ado_quidam", "language_code": "fr"}
TEXT = "mon secret très personnel numéro 4815162342"


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples ``name`` whose labels include ``labels``."""
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == name and labels.items() <= s.labels.items())


class Bench:
    """A service behind the real dispatcher, instrumented as ``serve()`` does it."""

    def __init__(self, dialog: Dialog, store: Any = None) -> None:
        self.session = RecordingSession()
        self.bot = BotApi(TOKEN, self.session)
        self.service = BotService(dialog, store or MemoryStateStore(), b"k", clock=lambda: NOW)
        self.ops = Operations(self.service, Metrics())
        self.ops.watch_api(self.bot)
        self.dispatcher = self.ops.observe(build_updates(self.service))
        self.update_id = 0

    async def feed(self, **payload: Any) -> None:
        self.update_id += 1
        raw = {"update_id": self.update_id, **payload}
        await self.dispatcher.feed(self.bot, raw)

    async def text(self, text: str) -> None:
        await self.feed(message={"message_id": 10 + self.update_id, "date": 1700000000,
                                 "chat": CHAT, "from": USER, "text": text})

    def exposition(self) -> str:
        return self.ops.metrics.exposition()[0].decode()


# -- metrics after real updates ------------------------------------------------------------


async def test_metrics_parse_after_updates_through_the_dispatcher(dialog: Dialog) -> None:
    bench = Bench(dialog)
    await bench.text("/start")
    await bench.text("je veux mourir")
    await bench.text("/start lang_nl")  # a language switch
    bench.session.queue("SendMessage", 502, {"ok": False, "error_code": 502,
                                             "description": "Bad Gateway"})
    await bench.text("/start")  # sendMessage fails: the error reply goes out instead
    await bench.feed(edited_message={"message_id": 11, "date": 1700000000, "edit_date": 1,
                                     "chat": CHAT, "from": USER, "text": "x"})
    text = bench.exposition()
    found = families(text)
    assert {"fwb_node_views", "fwb_updates", "fwb_update_seconds", "fwb_telegram_errors",
            "fwb_crisis_replies", "fwb_language_switches", "fwb_content_info"} <= set(found)
    assert value(text, "fwb_updates_total", kind="message", outcome="ok") == 3
    assert value(text, "fwb_updates_total", kind="message", outcome="error") == 1
    assert value(text, "fwb_updates_total", kind="edited_message", outcome="ignored") == 1
    assert value(text, "fwb_update_seconds_count", kind="message") == 4
    assert value(text, "fwb_crisis_replies_total", category="suicide", lang="fr") == 1
    assert value(text, "fwb_language_switches_total", lang="nl") == 1
    assert value(text, "fwb_node_views_total", lang="nl") >= 1
    assert value(text, "fwb_telegram_errors_total", method="sendMessage",
                 kind="ServerError") == 1
    version = dialog.engine.bundle.version
    assert value(text, "fwb_content_info", version=version) == 1
    samples = [s for f in found.values() for s in f.samples]
    assert all("day" not in s.labels and "777001" not in str(s.labels) for s in samples)
    assert bench.ops.health.last_bot_api_ok is not None  # answers marked the Bot API reached


async def test_a_reload_changes_the_content_version_everywhere(dialog: Dialog,
                                                               tmp_path: Path) -> None:
    bench = Bench(dialog)
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    menu = flows / "common" / "menu.yaml"
    menu.write_text(menu.read_text(encoding="utf-8").replace(
        "De quoi veux-tu parler ?", "De quoi veux-tu parler ? 🙂"), encoding="utf-8")
    cfg = Settings.load({"FLOWS_DIR": str(flows), "LOCALES_DIR": str(ROOT / "locales")})
    before = bench.ops.health.content_version
    assert reload_content(bench.service, cfg) is True
    after = bench.ops.health.content_version
    assert after != before and after == bench.service.dialog.engine.bundle.version
    text = bench.exposition()
    assert value(text, "fwb_content_info", version=after) == 1
    assert value(text, "fwb_content_info", version=str(before)) == 0  # the old one is gone


# -- readiness against a private Redis -----------------------------------------------------


@pytest.mark.redis
async def test_readiness_flips_when_the_private_redis_stops(
        dialog: Dialog, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.ops.health.STORE_CHECK_EVERY", 0.0)  # a round trip per probe
    store = RedisStateStore(redis_server.url)
    bench = Bench(dialog, store)
    port = free_port()
    cfg = Settings.load({"BOT_TOKEN": TOKEN, "METRICS_PORT": str(port)})
    await bench.ops.start(bench.bot, cfg)  # polling mode: its own server, and the probe
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            for _ in range(50):  # the probe's getMe marks the Bot API reached
                if bench.ops.health.last_bot_api_ok is not None:
                    break
                await asyncio.sleep(0.02)
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 200, await r.text()
            keys = redis_server.admin.keys("fwb:health:*")
            assert len(keys) == 1 and 0 < redis_server.admin.ttl(keys[0]) <= 30
            await bench.text("/start")
            redis_server.stop()
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 503
                assert (await r.json())["problems"] == ["state store: StoreUnavailableError"]
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200  # alive: Redis down is not a reason to restart
            await bench.text("/start")  # answered without state; counted as a store error
            async with http.get(f"{base}/metrics") as r:
                assert r.status == 200  # never fails while Redis is down
                text = await r.text()
            assert value(text, "fwb_store_errors_total") >= 1
            assert value(text, "fwb_ready") == 0
            assert value(text, "fwb_updates_total", kind="message", outcome="ok") == 2
            redis_server.start()
            async with http.get(f"{base}/readyz") as r:  # back, but a write failed just now
                assert (await r.json())["problems"] == [
                    "state store refused a write in the last minute (full?)"]
            assert bench.service.last_write_failure is not None
            bench.service.last_write_failure -= 61  # a minute later
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 200, await r.text()
    finally:
        await bench.ops.stop()
        await store.close()


async def test_metrics_port_in_use_is_one_clear_error(dialog: Dialog) -> None:
    bench = Bench(dialog)
    port = free_port()
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        cfg = Settings.load({"BOT_TOKEN": TOKEN, "METRICS_PORT": str(port)})
        with pytest.raises(ConfigError, match=f"METRICS_PORT={port}: cannot listen"):
            await bench.ops.start(bench.bot, cfg)
    finally:
        await bench.ops.stop()
        blocker.close()


def test_metrics_settings_are_validated() -> None:
    assert Settings.load({}).metrics_port == 9090
    assert Settings.load({}).metrics_host == "127.0.0.1"
    assert Settings.load({"METRICS_PORT": "0"}).metrics_port == 0  # no server
    with pytest.raises(ConfigError) as bad:
        Settings.load({"METRICS_PORT": "70000", "WEBHOOK_PORT": "nine"})
    lines = str(bad.value).splitlines()
    assert lines == ["WEBHOOK_PORT='nine' is not a whole number",
                     "METRICS_PORT=70000 is not a TCP port (1 to 65535)"]


def test_the_store_wrapper_keeps_the_store_protocol(dialog: Dialog) -> None:
    bench = Bench(dialog)
    assert isinstance(bench.service.store, MeteredStore)
    Operations(bench.service, Metrics())  # twice: not wrapped twice
    assert not isinstance(bench.service.store.inner, MeteredStore)


# -- the webhook's door ------------------------------------------------------------------------


class Capture(logging.Handler):
    """Every line, as the production handler would write it (with the redacting filter)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(Redactor())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


@pytest.fixture
async def hook(dialog: Dialog) -> AsyncIterator[tuple[TestClient, Bench]]:  # type: ignore[type-arg]
    bench = Bench(dialog)
    cfg = Settings.load({"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.org",
                         "WEBHOOK_SECRET": SECRET, "WEBHOOK_PATH": "/telegram"})
    app = build_webhook_app(cfg, bench.bot, bench.dispatcher, bench.service, bench.ops.health,
                            bench.ops.metrics)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, bench
    await client.close()


CHAT_FULL = dict(CHAT, id=USER["id"], first_name="Ado", last_name="Quidam",
                 username="ado_quidam")


def _message(mid: int, **extra: Any) -> dict[str, Any]:
    return {"message_id": mid, "date": 1700000000, "chat": CHAT_FULL, "from": USER,
            "text": TEXT, **extra}


MEMBER = {"chat": CHAT_FULL, "from": USER, "date": 1700000000,
          "old_chat_member": {"status": "member", "user": USER},
          "new_chat_member": {"status": "kicked", "user": USER, "until_date": 0}}
EVERY_TYPE: dict[str, dict[str, Any]] = {
    "message": _message(501),
    "edited_message": _message(502, edit_date=1700000100),
    "channel_post": dict(_message(503), chat={"id": -100987654321, "type": "channel",
                                              "title": TEXT}),
    "callback_query": {"id": "98765432101", "from": USER, "chat_instance": "5556667778889",
                       "data": TEXT[:60], "message": _message(504)},
    "inline_query": {"id": "1234567890123", "from": USER, "query": TEXT, "offset": ""},
    "my_chat_member": MEMBER,
    "chat_member": MEMBER,
    "poll": {"id": "5432167890", "question": TEXT, "options": [
        {"text": TEXT, "voter_count": 1, "persistent_id": "o1"},
        {"text": "non", "voter_count": 0, "persistent_id": "o2"}],
        "total_voter_count": 1, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False, "members_only": False},
    "poll_answer": {"poll_id": "5432167890", "user": USER, "option_ids": [0],
                    "option_persistent_ids": ["o1"]},
    "message_reaction": {"chat": CHAT_FULL, "message_id": 505, "user": USER,
                         "date": 1700000000, "old_reaction": [], "new_reaction": []},
    # a type from a future Bot API, which this bot does not know
    "business_whisper_future": {"from": USER, "text": TEXT, "whisper_id": 3141592653},
}
SECRETS_IN_UPDATES = (TEXT, "4815162342", "777001", "Quidam", "ado_quidam", "98765432101",
                      "5556667778889", "1234567890123", "5432167890", "3141592653")


async def _post(client: TestClient, body: Any, **headers: str) -> int:  # type: ignore[type-arg]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await client.post("/telegram", data=data, headers={
        "X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json",
        **headers})
    return response.status


async def test_every_update_type_and_garbage_get_200_and_leak_nothing(
        hook: tuple[TestClient, Bench], capture: Capture) -> None:  # type: ignore[type-arg]
    client, bench = hook
    statuses = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no library warning that would print it whole
        for n, (kind, payload) in enumerate(EVERY_TYPE.items()):
            statuses[kind] = await _post(client, {"update_id": 7000 + n, kind: payload})
        garbage: dict[str, Any] = {
            "not json": b"{\"update_id\": 1, \"message\": {\"text\": \"" + TEXT.encode() + b"\"",
            "not utf-8": b"\xff\xfe" + TEXT.encode("utf-16"),
            "a list": [TEXT, 777001],
            "a string": TEXT,
            "no update_id": {"message": _message(506)},
            "a text that is a number": {"update_id": 7100,
                                        "message": dict(_message(507), text=4815162342)},
            "a chat without id": {"update_id": 7101,
                                  "message": dict(_message(508), chat={"type": "private",
                                                                       "first_name": TEXT})},
            "no field at all": {"update_id": 7102},
            "empty": b"",
        }
        for name, body in garbage.items():
            statuses[name] = await _post(client, body)
    assert set(statuses.values()) == {200}, statuses
    text = "\n".join(capture.lines)
    for secret in SECRETS_IN_UPDATES:
        assert secret not in text, (secret, text)
    assert "Traceback" not in text
    assert "an update of a type this bot does not know was ignored: business_whisper_future" \
        in text
    assert text.count("that does not validate was dropped") == 3
    assert text.count("that is not JSON was dropped") == 3  # not JSON, not UTF-8, empty
    assert text.count("not a JSON object was dropped") == 2
    sent = bench.session.sent_texts()
    assert len(sent) == 2  # the private message and the press were answered, nothing else
    metrics = bench.exposition()
    assert value(metrics, "fwb_updates_total", kind="unknown") == 2  # and {"update_id"} alone
    assert value(metrics, "fwb_updates_total", kind="poll", outcome="ignored") == 1


async def test_a_library_line_quoting_the_update_is_withheld(
        hook: tuple[TestClient, Bench], capture: Capture) -> None:  # type: ignore[type-arg]
    client, bench = hook

    real = bench.service.handle

    async def chatty(bot: Any, chat_id: int, event: Any, *args: Any, **kwargs: Any) -> Any:
        logging.getLogger("some.library").warning("got %s from %s", event.text, chat_id)
        return await real(bot, chat_id, event, *args, **kwargs)

    bench.service.handle = chatty  # type: ignore[method-assign]
    assert await _post(client, {"update_id": 1, "message": _message(9)}) == 200
    assert f"some.library WARNING {REDACTED}" in capture.lines
    assert not any(TEXT in line or "777001" in line for line in capture.lines)


async def test_a_bug_outside_the_service_is_one_line_and_a_200(
        hook: tuple[TestClient, Bench], capture: Capture) -> None:  # type: ignore[type-arg]
    client, bench = hook

    async def broken(*args: Any) -> None:
        raise RuntimeError(TEXT)  # a bug whose message quotes the update

    bench.service.remember = broken  # type: ignore[method-assign]
    # a poll: the bot records its id without answering, and that call fails
    body = {"update_id": 1, "message": dict(_message(9), poll={"id": "1"})}
    body["message"].pop("text", None)
    assert await _post(client, body) == 200
    text = "\n".join(capture.lines)
    assert "an update of type message failed (RuntimeError at test_operations.py:" in text
    assert TEXT not in text and "Traceback" not in text
    assert value(bench.exposition(), "fwb_updates_total", kind="message",
                 outcome="error") == 1


async def test_secret_header_non_ascii_oversized_or_wrong_is_401(
        hook: tuple[TestClient, Bench]) -> None:  # type: ignore[type-arg]
    client, bench = hook
    update = {"update_id": 1, "message": _message(9)}
    assert await _post(client, update, **{"X-Telegram-Bot-Api-Secret-Token": "nope"}) == 401
    assert await _post(client, update, **{"X-Telegram-Bot-Api-Secret-Token": "a" * 5000}) \
        == 401
    assert await _post(client, update, **{"X-Telegram-Bot-Api-Secret-Token": ""}) == 401
    # a non-ASCII header cannot be sent by aiohttp's client: raw bytes on the socket
    assert client.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    body = json.dumps(update).encode()
    writer.write(b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"X-Telegram-Bot-Api-Secret-Token: s3cr\xc3\xa9t-\xe2\x82\xac\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n"
                 b"\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert status_line.split()[1] == b"401", status_line
    assert bench.session.calls == []
    assert await _post(client, update) == 200


async def test_unknown_update_in_polling_is_logged_by_type_only(
        dialog: Dialog, capture: Capture) -> None:
    bench = Bench(dialog)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await bench.feed(guest_message_future={"from": USER, "text": TEXT})
    assert any(line.endswith("ignored: guest_message_future") for line in capture.lines)
    assert not any(TEXT in line for line in capture.lines)


# -- Bot API faults ------------------------------------------------------------------------

HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


async def test_html_502_is_retried_for_idempotent_methods_never_for_send_message(
        api: FakeBotAPI) -> None:
    clock = Clock()
    session = HttpTransport(TOKEN, f"http://127.0.0.1:{api.port}")
    metrics = Metrics()
    bot = BotApi(TOKEN, session, retry=Retry(sleep=clock.sleep, clock=clock))
    bot.watchers.append(ApiWatch(metrics))  # inside the retries: each attempt is counted
    try:
        api.fail_next["deleteMessages"] = [(502, HTML_502), (504, HTML_502)]
        assert await bot.delete_messages(1, [5]) is True
        assert api.calls.count("deleteMessages") == 3  # two proxy pages, then the answer
        api.fail_next["sendMessage"] = [(502, HTML_502)]
        with pytest.raises(ProxyServerError):
            await bot.send_message(1, "bonjour")
        assert api.calls.count("sendMessage") == 1  # may have reached Telegram: not resent
        assert api.sent == []
        text = metrics.exposition()[0].decode()
        assert value(text, "fwb_telegram_errors_total", method="deleteMessages",
                     kind="ProxyServerError") == 2
        assert value(text, "fwb_telegram_errors_total", method="sendMessage",
                     kind="ProxyServerError") == 1
    finally:
        await session.close()


def _flood(seconds: int) -> dict[str, Any]:
    return {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
            f"{seconds}", "parameters": {"retry_after": seconds}}


async def test_retry_after_within_the_budget_is_waited_then_retried() -> None:
    clock = Clock()
    session = RecordingSession()
    bot = BotApi(TOKEN, session, retry=Retry(sleep=clock.sleep, clock=clock))
    session.queue("SendMessage", 429, _flood(7))
    with update_budget(clock=clock):
        await bot.send_message(1, "a")
    assert clock.t == 1007 and session.methods() == ["SendMessage", "SendMessage"]


async def test_a_long_retry_after_is_honoured_without_holding_the_update_or_other_chats(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    session = RecordingSession()
    retry = Retry(sleep=clock.sleep, clock=clock)
    bot = BotApi(TOKEN, session, retry=retry)
    session.queue("SendMessage", 429, _flood(90))
    with update_budget(clock=clock), pytest.raises(RetryAfterError):
        await bot.send_message(1, "a")
    assert clock.t == 1000  # not waited: the webhook answer and the chat lock are not held
    assert "retry_after 90 s is more than this update may wait; given up" in caplog.text
    # the error reply (or the next update) for that chat does not reach Telegram meanwhile
    with update_budget(clock=clock), pytest.raises(RetryAfterError):
        await bot.send_message(1, "Oups")
    assert session.methods() == ["SendMessage"]
    # another chat is not blocked
    with update_budget(clock=clock):
        await bot.send_message(2, "b")
    assert session.methods() == ["SendMessage", "SendMessage"]
    # once retry_after is over, the chat gets messages again
    clock.t += 91
    with update_budget(clock=clock):
        await bot.send_message(1, "c")
    assert len(session.methods()) == 3 and retry.flooded == {}
    # a wait that would end past the update's budget is not started either
    session.queue("SendMessage", 429, _flood(15))
    with update_budget(10, clock=clock), pytest.raises(RetryAfterError):
        await bot.send_message(3, "d")
    assert clock.t == 1091


async def test_a_long_retry_after_ends_the_update_with_one_line_and_no_oups(
        dialog: Dialog, caplog: pytest.LogCaptureFixture) -> None:
    bench = Bench(dialog)
    clock = Clock()
    bench.bot.retry = Retry(sleep=clock.sleep, clock=clock)
    bench.session.queue("SendMessage", 429, _flood(120))
    await bench.text("/start")
    assert bench.session.methods() == ["SendMessage"]  # no "Oups" into the flood window
    assert "given up" in caplog.text and "error reply not sent" in caplog.text


# -- unreadable catalogs ---------------------------------------------------------------------


def _broken_locales(tmp_path: Path) -> Path:
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    mo = locales / "de" / "LC_MESSAGES" / "messages.mo"
    mo.write_bytes(mo.read_bytes()[:200])  # truncated
    return locales


def test_a_corrupt_catalog_stops_the_start_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEBHOOK_URL")}
    env.update({"BOT_TOKEN": TOKEN, "BOT_API_BASE": "http://127.0.0.1:9",
                "LOCALES_DIR": str(_broken_locales(tmp_path)), "METRICS_PORT": "0"})
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("cannot start: ") and "de/LC_MESSAGES/messages.mo" in lines[0]
    assert "[catalog-unreadable] the de catalog cannot be read" in lines[0]


def test_a_corrupt_catalog_on_sighup_keeps_the_content(dialog: Dialog, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture
                                                       ) -> None:
    bench = Bench(dialog)
    before = bench.service.dialog.engine
    cfg = Settings.load({"FLOWS_DIR": str(ROOT / "flows"),
                         "LOCALES_DIR": str(_broken_locales(tmp_path))})
    assert reload_content(bench.service, cfg) is False
    assert bench.service.dialog.engine is before
    assert "content NOT reloaded" in caplog.text and "catalog-unreadable" in caplog.text
    assert "Traceback" not in caplog.text


def test_any_other_failure_on_sighup_is_one_line(dialog: Dialog, caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    bench = Bench(dialog)
    before = bench.service.dialog.engine

    def unreadable(settings: Settings) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("bot.telegram.app.build_engine", unreadable)
    assert reload_content(bench.service, Settings.load({})) is False
    assert bench.service.dialog.engine is before
    assert caplog.messages == ["content NOT reloaded, the previous flows stay in service: "
                               "PermissionError"]


async def test_json_logs_carry_kind_outcome_and_duration(dialog: Dialog,
                                                         capture: Capture) -> None:
    from bot.logs import JsonFormatter

    capture.setFormatter(JsonFormatter())
    bench = Bench(dialog)
    await bench.text("/start")
    events = [json.loads(line) for line in capture.lines if line.startswith("{")]
    handled = [e for e in events if e["event"] == "update"]
    assert len(handled) == 1
    assert handled[0]["kind"] == "message" and handled[0]["outcome"] == "ok"
    assert isinstance(handled[0]["duration_ms"], float)


async def test_a_polling_bot_serves_health_and_metrics_on_metrics_port(
        api: FakeBotAPI) -> None:
    """``python -m bot run`` as deployed (polling): the routes on METRICS_PORT, fed by the
    real wiring in ``serve()``."""
    from .test_e2e_http import start_bot, stop_bot

    port = free_port()
    proc = await start_bot(f"http://127.0.0.1:{api.port}", METRICS_PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"{base}/healthz") as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                await asyncio.sleep(0.1)
            api.user_message("/start")
            await api.wait_sent(1, timeout=20)
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 200, await r.text()
            async with http.get(f"{base}/metrics") as r:
                text = await r.text()
        assert value(text, "fwb_updates_total", kind="message", outcome="ok") == 1
        assert value(text, "fwb_node_views_total") >= 1 and value(text, "fwb_ready") == 1
    finally:
        stderr = await stop_bot(proc)
    assert "Traceback" not in stderr, stderr
