"""The web channel over HTTP: headers, the JSON API, /forget and "Quitter vite", limits,
malformed requests, logs. (The page in a real browser: tests/test_web_browser.py.)"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.dialog import Dialog
from bot.engine import MAX_INPUT, Engine, State
from bot.errors import ConfigError, StoreUnavailableError
from bot.store import MemoryStateStore, session_key
from bot.web import build_service, build_web_app
from bot.web.app import RUNNER, web_secret
from bot.web.service import WebService

from .conftest import NOW, ROOT, free_port

SID = "Tab-session-0123456789abcdef"
OTHER = "Another-tab-0123456789abcdef"

Client = TestClient[Any, Any]
MakeClient = Callable[..., Awaitable[tuple[Client, WebService]]]


async def start(app: web.Application) -> Client:
    """A test client of the app, served as ``python -m bot web`` serves it (no access log)."""
    server = TestServer(app)
    await server.start_server(**RUNNER)
    client: Client = TestClient(server)
    await client.start_server()
    return client


@pytest.fixture
async def make_client(dialog: Dialog) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(store: Any = None, **env: str) -> tuple[Client, WebService]:
        settings = Settings.load({"WEB_SECRET": "test-secret", **env})
        store = MemoryStateStore() if store is None else store
        service = build_service(settings, dialog, store, None, clock=lambda: NOW)
        client = await start(build_web_app(settings, service))
        clients.append(client)
        return client, service

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return (await make_client())[0]


async def turn(client: Client, event: dict[str, Any], session: str = SID,
               **extra: Any) -> dict[str, Any]:
    resp = await client.post("/api/turn", json={"session": session, "event": event, **extra})
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


def choice(answer: dict[str, Any], label: str) -> str:
    for row in answer["replies"][-1]["buttons"]:
        for button in row:
            if label in button["label"]:
                return str(button["data"])
    raise AssertionError(f"no button {label!r}")


def assert_private(resp: ClientResponse) -> None:
    h = resp.headers
    csp = h["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in h


# -- the page ---------------------------------------------------------------------------


async def test_page_headers_are_strict_and_nothing_is_third_party(client: Client) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert_private(resp)
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"
    html = await resp.text()
    assert "Quitter vite" in html and 'lang="fr"' in html and 'dir="ltr"' in html
    # every resource the page loads is its own; no inline script or style (the CSP forbids it)
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        f"static/app.css?v={v}" for v in re.findall(r"app\.css\?v=(\w+)", html)] + [
        f"static/app.js?v={v}" for v in re.findall(r"app\.js\?v=(\w+)", html)]
    assert "<style" not in html and " style=" not in html and " on" not in html.lower().replace(
        " one", "")
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    for name in ("app.js", "app.css"):
        text = (ROOT / "bot" / "web" / "static" / name).read_text(encoding="utf-8")
        hosts = {h for h in re.findall(r"https?://([\w.-]+)", text) if h != "www.w3.org"}
        assert hosts == set(), f"{name} names other hosts: {hosts}"
        assert "cookie" not in text.lower().replace("no cookie", "")
        assert "localStorage" not in text  # sessionStorage only: gone with the tab


async def test_the_page_speaks_the_visitors_language(client: Client) -> None:
    html = await (await client.get("/?lang=ar")).text()
    assert 'lang="ar" dir="rtl"' in html and "خروج سريع" in html
    html = await (await client.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9"})).text()
    assert 'lang="nl" dir="ltr"' in html and "Snel weg" in html
    html = await (await client.get("/?lang=xx", headers={"Accept-Language": "ja"})).text()
    assert 'lang="fr"' in html
    # without JavaScript, the emergency numbers are still on the page
    assert "<noscript>" in html and "112" in html


async def test_frame_ancestors_are_configurable(make_client: MakeClient) -> None:
    client, _ = await make_client(
        WEB_FRAME_ANCESTORS="'self' https://www.aidealajeunesse.cfwb.be")
    resp = await client.get("/")
    assert resp.headers["Content-Security-Policy"].endswith(
        "frame-ancestors 'self' https://www.aidealajeunesse.cfwb.be")
    assert "X-Frame-Options" not in resp.headers  # it cannot name an origin
    client, _ = await make_client(WEB_FRAME_ANCESTORS="self")
    assert (await client.get("/")).headers["X-Frame-Options"] == "SAMEORIGIN"
    for bad in ("https://a.be; script-src *", "*", "javascript:alert(1)"):
        with pytest.raises(ConfigError):
            Settings.load({"WEB_FRAME_ANCESTORS": bad})
    with pytest.raises(ConfigError):
        Settings.load({"WEB_EXIT_URL": "javascript:alert(1)"})


async def test_static_files_are_small_compressed_and_cached(client: Client) -> None:
    html = await (await client.get("/")).text()
    total_gz = len(gzip.compress(html.encode()))
    for name in ("app.js", "app.css"):
        version = re.search(rf"{re.escape(name)}\?v=(\w+)", html)
        assert version is not None
        resp = await client.get(f"/static/{name}?v={version.group(1)}",
                                headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
        assert resp.status == 200
        assert resp.headers["Content-Encoding"] == "gzip"
        assert "immutable" in resp.headers["Cache-Control"]
        assert_private(resp)
        total_gz += len(await resp.read())
    assert total_gz < 12 * 1024, f"the page weighs {total_gz} bytes compressed"
    resp = await client.get("/static/page.html")
    assert resp.status == 404 and (await resp.json())["error"]


# -- conversations ----------------------------------------------------------------------


async def test_the_same_conversation_as_on_telegram(client: Client) -> None:
    start = await turn(client, {"type": "start"})
    assert start["replies"][0]["node"] == "start:start" and start["dir"] == "ltr"
    assert start["ui"]["web_exit"] == "Quitter vite"
    young = await turn(client, {"type": "press", "data": choice(start, "jeune")})
    assert young["replies"][-1]["node"] == "menu:young"
    topic = await turn(client, {"type": "press", "data": choice(young, "chantage")})
    assert topic["replies"][-1]["node"] == "sextortion:start"
    typed = await turn(client, {"type": "text", "text": "il menace de publier mes photos"})
    assert "sextorsion" in typed["replies"][-1]["text"].lower()
    links = [b for row in typed["replies"][-1]["buttons"] for b in row]
    assert all(("data" in b) != ("url" in b) for b in links)
    # crisis detection first, as everywhere
    crisis = await turn(client, {"type": "text", "text": "je veux mourir"})
    assert crisis["replies"][0]["node"].startswith("emergency:")


async def test_arabic_turns_the_page_right_to_left(client: Client) -> None:
    await turn(client, {"type": "start"})
    offer = await turn(client, {"type": "text", "text": "مرحبا أحتاج مساعدة"})
    assert offer["replies"][-1]["node"] == "system:language_offer"
    arabic = await turn(client, {"type": "press", "data": choice(offer, "العربية")})
    assert arabic["lang"] == "ar" and arabic["dir"] == "rtl"
    assert arabic["ui"]["web_exit"] == "خروج سريع"
    # a browser's language is a hint for a first conversation
    hinted = await turn(client, {"type": "start"}, session=OTHER, lang="de-BE")
    assert hinted["lang"] == "de" and hinted["ui"]["web_send"] == "Senden"


async def test_saj_finder_by_postcode_and_by_location(client: Client) -> None:
    await turn(client, {"type": "start"})
    find = await turn(client, {"type": "text", "text": "/saj"})
    assert find["ask"] == "place"
    found = await turn(client, {"type": "text", "text": "5000"})
    assert found["replies"][-1]["node"] == "system:saj_found" and found["ask"] is None
    assert "Namur" in found["replies"][-1]["text"]
    await turn(client, {"type": "text", "text": "/saj"})
    here = await turn(client, {"type": "location", "lat": 50.4669, "lon": 4.8675})
    assert here["replies"][-1]["node"] in ("system:saj_found", "system:saj_choose_place")


async def test_state_is_keyed_by_an_hmac_and_keeps_the_ttl(make_client: MakeClient) -> None:
    store = MemoryStateStore()
    client, service = await make_client(store, STATE_TTL="600")
    await turn(client, {"type": "start"})
    assert service.ttl == 600
    from bot.store.memory import compact

    keys = list(store._chats)
    assert keys == [compact(session_key(SID, service.secret))]
    assert compact(session_key(SID, service.secret)) == bytes.fromhex(
        session_key(SID, service.secret).removeprefix("fwb:s:"))
    records = [(k, c.state, list(c.ids), c.done) for k, c in store.records()]
    assert SID.encode() not in keys[0] and SID not in str(records)


async def test_forget_erases_the_state_and_the_page(make_client: MakeClient) -> None:
    store = MemoryStateStore()
    client, service = await make_client(store)
    await turn(client, {"type": "start"})
    assert len(store) == 1
    answer = await turn(client, {"type": "text", "text": "/forget"})
    assert answer["forget"] is True
    assert answer["replies"][-1]["node"] == "system:forgotten"
    assert await store.get(session_key(SID, service.secret)) is None


async def test_quick_exit_erases_the_state(make_client: MakeClient) -> None:
    store = MemoryStateStore()
    client, service = await make_client(store)
    await turn(client, {"type": "start"})
    await turn(client, {"type": "start"}, session=OTHER)
    resp = await client.post("/api/exit", data=json.dumps({"session": SID}))
    assert resp.status == 204
    assert_private(resp)
    assert await store.get(session_key(SID, service.secret)) is None
    assert await store.get(session_key(OTHER, service.secret)) is not None
    resp = await client.post("/api/exit", data=b"{}")
    assert resp.status == 400


# -- abuse --------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b"\xff\xfe", "not JSON"),
    (json.dumps({"event": {"type": "start"}}).encode(), "session"),
    (json.dumps({"session": "short", "event": {"type": "start"}}).encode(), "session"),
    (json.dumps({"session": "x" * 22 + "/../", "event": {"type": "start"}}).encode(),
     "session"),
    (json.dumps({"session": SID}).encode(), "event"),
    (json.dumps({"session": SID, "event": {"type": "shout"}}).encode(), "event type"),
    (json.dumps({"session": SID, "event": {"type": "text", "text": 42}}).encode(), "text"),
    (json.dumps({"session": SID, "event": {"type": "text", "text": "  "}}).encode(), "text"),
    (json.dumps({"session": SID, "event": {"type": "text", "text": "a" * (MAX_INPUT + 1)}}
                ).encode(), "longer"),
    (json.dumps({"session": SID, "event": {"type": "press", "data": ["g"]}}).encode(), "data"),
    (json.dumps({"session": SID, "event": {"type": "location", "lat": 91, "lon": 4}}).encode(),
     "lat"),
    (json.dumps({"session": SID, "event": {"type": "location", "lat": True, "lon": 4}}
                ).encode(), "lat"),
    (b'{"session": "' + SID.encode() + b'", "event": {"type": "location", "lat": NaN, '
     b'"lon": 4}}', "lat"),
    (json.dumps({"session": SID, "lang": "x" * 40, "event": {"type": "start"}}).encode(),
     "lang"),
])
async def test_malformed_requests_get_400_with_a_short_json_error(
        client: Client, body: bytes, message: str) -> None:
    resp = await client.post("/api/turn", data=body)
    assert resp.status == 400
    assert_private(resp)
    answer = await resp.json()
    assert message in answer["error"] and len(answer["error"]) < 80


async def test_other_bad_requests_never_get_a_500(client: Client) -> None:
    resp = await client.post("/api/turn", data=b"x" * (32 * 1024))
    assert resp.status == 413 and "error" in await resp.json()
    resp = await client.get("/api/turn")
    assert resp.status == 405 and "error" in await resp.json()
    resp = await client.get("/nowhere")
    assert resp.status == 404 and "error" in await resp.json()
    assert_private(resp)
    resp = await client.post("/api/turn", headers={"Sec-Fetch-Site": "cross-site"},
                             json={"session": SID, "event": {"type": "start"}})
    assert resp.status == 403
    # a forged or outdated button is not an error: the menu, with a short note
    answer = await turn(client, {"type": "press", "data": "g:zzzz:99999:1"})
    assert answer["replies"][-1]["node"] == "system:stale"


async def test_typed_messages_follow_flood_control(make_client: MakeClient) -> None:
    client, _ = await make_client(THROTTLE_MESSAGES="2", THROTTLE_SECONDS="60")
    for _ in range(2):
        assert (await turn(client, {"type": "text", "text": "bonjour"}))["replies"]
    slow = await turn(client, {"type": "text", "text": "bonjour"})
    assert slow["replies"][-1]["node"] == "system:slow_down"
    resp = await client.post("/api/turn", json={
        "session": SID, "event": {"type": "text", "text": "bonjour"}})
    assert resp.status == 429 and resp.headers["Retry-After"]
    # another tab is not slowed down
    assert (await turn(client, {"type": "text", "text": "bonjour"}, session=OTHER))["replies"]


async def test_per_session_and_per_address_limits(make_client: MakeClient) -> None:
    client, service = await make_client(WEB_SESSION_LIMIT="3", WEB_IP_LIMIT="5")
    for _ in range(3):
        await turn(client, {"type": "start"})
    resp = await client.post("/api/turn", json={"session": SID, "event": {"type": "start"}})
    assert resp.status == 429
    body = await resp.json()
    assert body["error"] and body["replies"][-1]["node"] == "system:slow_down"
    await turn(client, {"type": "start"}, session=OTHER)  # 5th request from this address
    resp = await client.post("/api/turn", json={
        "session": "Third-tab-0123456789abcdefg", "event": {"type": "start"}})
    assert resp.status == 429  # 6th: the address is over its limit
    assert service.per_ip is not None and len(service.per_ip) == 1
    assert all("127.0.0.1" not in k for k in service.per_ip._seen)  # an HMAC, not the address


async def test_a_trusted_proxy_gives_the_client_address(make_client: MakeClient) -> None:
    client, _ = await make_client(WEB_IP_LIMIT="1", WEB_TRUST_PROXY="true")
    headers = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    resp = await client.post("/api/turn", headers=headers,
                             json={"session": SID, "event": {"type": "start"}})
    assert resp.status == 200
    resp = await client.post("/api/turn", headers={"X-Forwarded-For": "198.51.100.8"},
                             json={"session": OTHER, "event": {"type": "start"}})
    assert resp.status == 200  # another client behind the same proxy
    resp = await client.post("/api/turn", headers=headers,
                             json={"session": OTHER, "event": {"type": "start"}})
    assert resp.status == 429


async def test_logs_hold_no_text_and_no_ids(make_client: MakeClient,
                                            caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        async def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
            raise RuntimeError(f"boom {args}")

    client, service = await make_client()
    service.dialog = Dialog(service.dialog.engine, Broken())
    secret_words = "Zorglub-Przewalski habite 5000"
    with caplog.at_level(logging.DEBUG):
        await turn(client, {"type": "start"})
        await turn(client, {"type": "text", "text": "/saj"})
        answer = await turn(client, {"type": "text", "text": secret_words})
        await client.post("/api/turn", data=b"{broken " + SID.encode())
    assert answer["replies"]  # the action failed: the user still gets an answer
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "Zorglub" not in logged and "5000" not in logged
    assert SID not in logged and "127.0.0.1" not in logged


async def test_a_store_outage_is_said_once_and_never_a_500(make_client: MakeClient) -> None:
    class Down(MemoryStateStore):
        async def get(self, key: str) -> State | None:
            raise StoreUnavailableError("down")

        async def set(self, key: str, state: State, ttl: int) -> None:
            raise StoreUnavailableError("down")

    client, _ = await make_client(Down())
    first = await turn(client, {"type": "start"})
    assert first["replies"][0]["node"] == "system:state_lost"
    second = await turn(client, {"type": "start"})
    assert "system:state_lost" not in [r["node"] for r in second["replies"]]
    resp = await client.post("/api/exit", json={"session": SID})
    assert resp.status == 204


def test_replicas_need_a_shared_secret() -> None:
    with pytest.raises(ConfigError):
        web_secret(Settings.load({"REDIS_URL": "redis://127.0.0.1:6379/0"}))
    a = web_secret(Settings.load({"WEB_SECRET": "s"}))
    assert a == web_secret(Settings.load({"WEB_SECRET": "s", "REDIS_URL": "redis://x"}))
    assert web_secret(Settings.load({})) != web_secret(Settings.load({}))  # random, per process


async def test_redis_store_keeps_the_ttl(dialog: Dialog, engine: Engine,
                                         tmp_path: Path) -> None:
    from bot.store.redis import RedisStateStore

    from .redis_util import start_redis_server

    port = free_port()
    proc = start_redis_server(port, tmp_path)
    store = RedisStateStore(f"redis://127.0.0.1:{port}/0")
    try:
        settings = Settings.load({"WEB_SECRET": "s", "REDIS_URL": store_url(port),
                                  "STATE_TTL": "900"})
        service = build_service(settings, dialog, store, None, clock=lambda: NOW)
        async with await start(build_web_app(settings, service)) as client:
            await turn(client, {"type": "start"})
            key = session_key(SID, service.secret)
            ttl = await store.client.ttl(key)
            assert 0 < ttl <= 900
            assert (await client.post("/api/exit", json={"session": SID})).status == 204
            assert await store.client.exists(key) == 0
    finally:
        await store.close()
        proc.terminate()
        proc.wait()


def store_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.e2e
async def test_python_m_bot_web_serves_and_stops(tmp_path: Path) -> None:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BOT_TOKEN")}
    environ.update({"WEB_PORT": str(port), "WEB_HOST": "127.0.0.1", "LOG_LEVEL": "INFO"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "web", cwd=ROOT, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    await asyncio.sleep(0.1)
            async with http.post(f"http://127.0.0.1:{port}/api/turn", json={
                    "session": SID, "event": {"type": "text", "text": "/saj 5000"}}) as resp:
                answer = await resp.json()
        assert "Namur" in answer["replies"][-1]["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    text = err.decode()
    assert proc.returncode == 0, text
    assert "Traceback" not in text and "5000" not in text and SID not in text
    assert "web page listening" in text  # INFO is on, yet no access log line:
    assert "127.0.0.1 [" not in text and "POST" not in text

