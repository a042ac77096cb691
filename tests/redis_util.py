"""Redis for tests: the real server at 127.0.0.1:6379; missing means fail in CI, skip elsewhere."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import in_ci

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by the tests


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def require_redis() -> None:
    if redis_available():
        return
    if in_ci():
        pytest.fail("Redis is not running at 127.0.0.1:6379 (CI needs it: .ci/run starts it)")
    pytest.skip("Redis is not running at 127.0.0.1:6379: start redis-server to run this test")


def start_redis_server(port: int, directory: Path, *options: str) -> subprocess.Popen[bytes]:
    """A private redis-server (no persistence) on ``port``, accepting connections when this
    returns. Missing binary: fails in CI, skips elsewhere."""
    binary = shutil.which("redis-server")
    if binary is None:
        if in_ci():
            pytest.fail("redis-server is needed for this test (CI installs it with Redis)")
        pytest.skip("redis-server is not installed")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc
