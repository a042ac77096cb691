"""Redis for tests: a private ``redis-server`` on a free port, never the shared 127.0.0.1:6379.

Missing binary: fails in CI, skips elsewhere. ``RedisServer`` can be stopped and started
again on the same port (outage tests) and reconfigured (``maxmemory``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from .conftest import free_port, in_ci


def start_redis_server(port: int, directory: Path, *options: str) -> subprocess.Popen[bytes]:
    """A private redis-server (no persistence) on ``port``, accepting connections when this
    returns."""
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


class RedisServer:
    """One private server; ``url`` for the bot, ``admin`` (sync redis-py) for the test."""

    def __init__(self, directory: Path, *options: str) -> None:
        self.directory = directory
        self.options = options
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()
        self.admin = redis.Redis(port=self.port, socket_timeout=5)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = start_redis_server(self.port, self.directory, *self.options)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def calls(self) -> dict[str, int]:
        """Commands run so far, by name (``INFO commandstats``): a black-box count."""
        stats = self.admin.info("commandstats")
        return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}

    def reset_calls(self) -> None:
        self.admin.config_resetstat()
