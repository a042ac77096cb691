"""The shape of the code: the engine imports no transport or storage, has no import cycle,
and is used from outside only through its public surface (``bot.engine.__all__``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "bot" / "engine"
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
        "import sys, bot.engine;"
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


def _engine_imports(path: Path) -> set[str]:
    """The engine modules ``path`` (inside bot/engine) imports, relatively."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_engine_modules_form_no_import_cycle() -> None:
    graph = {p.stem: _engine_imports(p) for p in ENGINE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for dep in graph.get(module, ()):
            visit(dep, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_public_surface_is_what_it_says() -> None:
    import bot.engine

    assert sorted(bot.engine.__all__) == sorted(set(bot.engine.__all__))
    for name in bot.engine.__all__:
        assert hasattr(bot.engine, name), name
    public = {n for n in vars(bot.engine) if not n.startswith("_")}
    submodules = {p.stem for p in ENGINE.glob("*.py")}
    assert public - set(bot.engine.__all__) - submodules == set()


#: Code that uses the engine as a library: it imports ``bot.engine`` and nothing under it.
#: (bot/cli inspects the content itself: the linter, graphs, schemas, catalogs.)
ADAPTERS = [*(ROOT / "bot" / "telegram").glob("*.py"), *(ROOT / "bot" / "store").glob("*.py"),
            *(ROOT / "bot" / "web").glob("*.py"),
            ROOT / "bot" / "dialog.py", ROOT / "bot" / "console.py",
            ROOT / "bot" / "actions_runner.py", *(ROOT / "actions").glob("*.py")]


def _engine_uses(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.startswith("bot.engine"):
                used.add(module)
            elif node.level > 0 and module.split(".")[0] == "engine":
                used.add("bot." + module)
        elif isinstance(node, ast.Import):
            used.update(a.name for a in node.names if a.name.startswith("bot.engine"))
    return used


def test_adapters_use_only_the_public_surface() -> None:
    assert ADAPTERS
    offenders = {f"{p.relative_to(ROOT)}: {m}" for p in ADAPTERS for m in _engine_uses(p)
                 if m != "bot.engine"}
    assert offenders == set()


def test_the_surface_test_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from ..engine.screens import enter\nfrom bot.engine.state import State\n",
                   encoding="utf-8")
    assert _engine_uses(bad) == {"bot.engine.screens", "bot.engine.state"}


#: What the web channel may use of the bot: the engine's surface, the driver, the stores,
#: the settings and the errors (not the Telegram adapter, not the maintainers' tools).
WEB_ALLOWED = {"bot.engine", "bot.dialog", "bot.store", "bot.store.stats", "bot.store.redis",
               "bot.config", "bot.errors", "bot.limits"}


def _bot_imports(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").startswith("bot"):
                found.add(node.module or "")
            elif node.level > 0:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bot"))
    return found


def test_the_web_channel_uses_only_the_engine_driver_stores_and_settings() -> None:
    files = list((ROOT / "bot" / "web").glob("*.py"))
    assert files
    used = {m for p in files for m in _bot_imports(p, "bot.web")}
    assert {m for m in used if not m.startswith("bot.web")} <= WEB_ALLOWED, used
    assert "bot.engine" in used and "bot.dialog" in used
