"""The engine stays pure: no aiogram, redis, rasa_sdk, network or storage import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "bot" / "engine"
FORBIDDEN = ("aiogram", "redis", "rasa_sdk", "aiohttp", "socket", "http", "urllib",
             "requests", "sqlite3", "asyncio")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_engine_modules_import_nothing_impure() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in ENGINE.glob("*.py")
        for name in imported_modules(path)
        if name in FORBIDDEN
    }
    assert offenders == set()


def test_importing_the_engine_loads_no_transport() -> None:
    code = (
        "import sys, bot.engine.runtime, bot.engine.loader, bot.engine.results;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('aiogram', 'redis', 'rasa_sdk', 'aiohttp')];"
        "print(','.join(sorted(bad)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ENGINE.parents[1])
    assert out.stdout.strip() == ""


def test_the_architecture_test_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import aiogram\nfrom redis import Redis\n", encoding="utf-8")
    assert imported_modules(bad) >= {"aiogram", "redis"}
