"""Shared fixtures: the real content loaded once, a dialog with in-process actions, a clock."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.actions_runner import RasaActionRunner
from bot.dialog import Dialog
from bot.engine import Engine
from bot.engine.i18n import Translator
from bot.engine.loader import load_or_raise

from .fakes.botapi import FakeBotAPI

if TYPE_CHECKING:
    from .redis_util import RedisServer

ROOT = Path(__file__).resolve().parents[1]
# A Monday at 14:00 in Brussels (winter time): most services are open.
NOW = dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def translator() -> Translator:
    return Translator.load(ROOT / "locales")


@pytest.fixture(scope="session")
def engine(translator: Translator) -> Engine:
    return Engine.build(load_or_raise(ROOT / "flows"), translator)


@pytest.fixture
def fresh_engine(engine: Engine, translator: Translator) -> Engine:
    """An engine of its own, for tests that look at its caches (the render memo)."""
    return Engine.build(engine.bundle, translator)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-transcripts", action="store_true",
                     help="re-record tests/transcripts/*.jsonl from the current content "
                          "(then review the diff with git)")


@pytest.fixture(scope="session")
def runner() -> RasaActionRunner:
    return RasaActionRunner()


@pytest.fixture
def dialog(engine: Engine, runner: RasaActionRunner) -> Dialog:
    return Dialog(engine, runner)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    """A TCP port nobody listens on right now (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server for this test only (never the shared 127.0.0.1:6379)."""
    from .redis_util import RedisServer

    server = RedisServer(tmp_path)
    yield server
    server.admin.close()
    server.stop()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API over real HTTP (tests/fakes/botapi.py), started and stopped."""
    fake = FakeBotAPI()
    await fake.start()
    yield fake
    await fake.stop()
