"""A private redis-server for the benchmarks: its own free port on 127.0.0.1, no persistence,
stopped at the end. The benchmarks never touch a shared Redis (see tests/redis_util.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivateRedis:
    """``with PrivateRedis() as redis: redis.url``; None as url when redis-server is missing."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self.port = 0
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            return self
        self._dir = tempfile.TemporaryDirectory(prefix="bench-redis-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(Path(self._dir.name))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        return self

    def command_calls(self) -> dict[str, int]:
        """``INFO commandstats``: calls per command since the server started."""
        assert self.port
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"INFO commandstats\r\n")
            data = b""
            while True:
                data += sock.recv(65536)
                head, _, rest = data.partition(b"\r\n")
                if head.startswith(b"$") and len(rest) >= int(head[1:]):
                    break
        calls = {}
        for line in rest.decode().splitlines():
            if line.startswith("cmdstat_"):
                name, _, fields = line.partition(":")
                calls[name.removeprefix("cmdstat_")] = int(
                    fields.split("calls=")[1].split(",")[0])
        return calls

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self._dir is not None:
            self._dir.cleanup()
