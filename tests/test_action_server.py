"""The actions as a standalone rasa-sdk action server, over real HTTP, with a Rasa-shaped call."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.actions_runner import DOMAIN, RasaActionRunner, action_call

from .conftest import ROOT, free_port

pytestmark = pytest.mark.e2e


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/health", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("the action server did not start")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # Sanic's graceful shutdown can outlast a busy CI run
        proc.kill()
        proc.wait(timeout=10)


def rasa_request(name: str, slots: dict[str, Any]) -> dict[str, Any]:
    """A request shaped like the one Rasa posts to /webhook."""
    return {
        "next_action": name, "version": "3.10.0",
        "tracker": {"sender_id": "conv-1", "slots": slots,
                    "latest_message": {"text": "", "intent": {"name": "find_saj"},
                                       "entities": [], "intent_ranking": []},
                    "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": "action_listen"},
        "domain": DOMAIN,
    }


async def test_find_saj_round_trip(server: str) -> None:
    status, body = await asyncio.to_thread(
        post, server + "/webhook", rasa_request("action_find_saj", {"place_query": "5000"}))
    assert status == 200
    custom = body["responses"][0]["custom"]
    assert custom == {"kind": "found", "target": "saj_namur", "communes": ["Namur"],
                      "refnis": "92094"}
    assert {"event": "slot", "name": "place_query", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in body["events"]]


async def test_helpline_status_round_trip(server: str) -> None:
    status, body = await asyncio.to_thread(
        post, server + "/webhook",
        rasa_request("action_helpline_status", {"now": "2026-01-05T13:00:00+00:00"}))
    assert status == 200
    statuses = body["responses"][0]["custom"]["statuses"]
    assert any(s["contact"] == "child_focus" and s["always"] for s in statuses)


async def test_request_without_domain_is_refused(server: str) -> None:
    request = rasa_request("action_find_saj", {"place_query": "5000"})
    del request["domain"]
    status, _ = await asyncio.to_thread(post, server + "/webhook", request)
    assert status == 449


async def test_in_process_executor_gives_the_same_answer(server: str) -> None:
    runner = RasaActionRunner()
    local = await runner("find_saj", {"query": "5000"})
    _, body = await asyncio.to_thread(post, server + "/webhook",
                                      action_call("find_saj", {"query": "5000"}))
    assert local == body["responses"][0]["custom"]


@pytest.mark.parametrize("name, args", [
    ("find_saj", {"query": "5000", "lang": "fr"}),
    ("find_saj", {"query": "1000", "lang": "nl"}),
    ("find_saj", {"query": "4700", "lang": "de"}),
    ("find_saj", {"query": "9999", "lang": "fr"}),
    ("find_saj", {"lat": 50.4669, "lon": 4.8675, "lang": "fr"}),
    ("find_saj", {"refnis": "92094", "lang": "fr"}),
    ("helpline_status", {"now": "2026-01-05T02:30:00+00:00", "lang": "fr"}),
    ("helpline_status", {"now": "2026-01-05T13:00:00+00:00",
                         "contacts": ["awel", "telefonhilfe", "child_focus"]}),
])
async def test_direct_runner_gives_what_rasa_sdk_gives(name: str, args: dict[str, Any]) -> None:
    """The bot calls the actions' logic directly (no rasa-sdk in its process): the result
    is the one the rasa-sdk executor gives for the same call."""
    from bot.actions_runner import DirectActionRunner

    assert await DirectActionRunner()(name, args) == await RasaActionRunner()(name, args)


def test_the_bot_process_does_not_import_rasa_sdk() -> None:
    code = ("import sys, bot.telegram.app, bot.dialog, bot.actions_runner;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa_sdk', 'sanic')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
