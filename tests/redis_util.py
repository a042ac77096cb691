"""Redis for tests: the real server at 127.0.0.1:6379; missing means fail in CI, skip elsewhere."""

from __future__ import annotations

import socket

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
