"""End to end over real HTTP: the unmodified bot (``python -m bot run``) against a fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from .conftest import ROOT, free_port
from .fakes.botapi import FakeBotAPI

pytestmark = pytest.mark.e2e


async def start_bot(base: str, **env: str) -> asyncio.subprocess.Process:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEBHOOK_URL")}
    environ.update({"BOT_TOKEN": "123456:E2E-TEST-TOKEN-xxxxxxxxxxxxxxx", "BOT_API_BASE": base,
                    "LOG_LEVEL": "WARNING", "METRICS_PORT": str(free_port()), **env})
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    assert proc.stderr is not None
    return (await proc.stderr.read()).decode(errors="replace")


def buttons(message: dict[str, object]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return {b["text"]: b.get("callback_data", "") for row in markup.get("inline_keyboard", [])
            for b in row}


async def test_start_button_reply_over_http(api: FakeBotAPI) -> None:
    base = f"http://127.0.0.1:{api.port}"
    proc = await start_bot(base)
    try:
        api.user_message("/start")
        sent = await api.wait_sent(1)
        assert "assistant automatique" in str(sent[0]["text"])
        young = next(d for label, d in buttons(sent[0]).items() if "jeune" in label)
        api.user_press(young, message_id=int(sent[0]["message_id"]))
        sent = await api.wait_sent(2)
        assert "De quoi veux-tu parler" in str(sent[1]["text"])
        # the press changed the message it belongs to, over real HTTP
        assert sent[1]["method"] == "editMessageText"
        assert int(sent[1]["message_id"]) == int(sent[0]["message_id"])
        api.user_message("il menace de publier mes photos")
        sent = await api.wait_sent(3)
        assert "sextorsion" in str(sent[2]["text"]).lower()
        assert str(sent[2].get("protect_content")).lower() == "true"
        assert "answerCallbackQuery" in api.calls
        assert "setMyCommands" in api.calls
    finally:
        stderr = await stop_bot(proc)
    assert "Traceback" not in stderr, stderr


async def test_429_is_retried_after_the_delay(api: FakeBotAPI) -> None:
    api.fail_next["sendMessage"] = [(429, {"ok": False, "error_code": 429,
                                           "description": "Too Many Requests: retry after 1",
                                           "parameters": {"retry_after": 1}})]
    proc = await start_bot(f"http://127.0.0.1:{api.port}")
    try:
        api.user_message("/start")
        sent = await api.wait_sent(1, timeout=20)
        assert "assistant automatique" in str(sent[0]["text"])
        assert api.calls.count("sendMessage") == 2
    finally:
        stderr = await stop_bot(proc)
    assert "Traceback" not in stderr, stderr


async def test_run_without_token_explains_what_to_do() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    text = err.decode()
    assert "@BotFather" in text and "python -m bot chat" in text
