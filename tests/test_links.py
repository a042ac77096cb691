"""Deep links (/start <name>) and the posters that carry them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

from bot.dialog import Dialog
from bot.engine import Back, Home, Press, Start, command
from bot.engine.loader import load_bundle

from .conftest import ROOT
from .helpers import Chat


async def test_a_topic_link_opens_the_topic_for_young_people(dialog: Dialog,
                                                            now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(command("/start sextortion"))
    assert chat.nodes == ["sextortion:start"]
    assert chat.state is not None and chat.state.audience == "young"


async def test_back_from_a_link_leads_to_the_welcome(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start("pro_steps"))
    assert chat.nodes == ["pro_steps:start"] and chat.state is not None
    assert chat.state.audience == "pro"
    await chat.send(Press(Back()))
    assert chat.nodes == ["start:start"]
    await chat.send(Start("pro"))
    await chat.send(Press(Home()))
    assert chat.nodes == ["menu:pro"]


async def test_built_in_link_families(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start("saj_5000"))
    assert chat.nodes == ["system:saj_found"] and "Namur" in chat.last.text
    await chat.send(Start("lang_ar"))
    assert chat.nodes == ["system:unreviewed", "start:start"] and chat.state is not None
    assert chat.state.lang == "ar" and chat.state.lang_chosen
    await chat.send(Start("sos"))
    assert chat.nodes == ["emergency:start"] and chat.state.lang == "ar"


async def test_unknown_or_odd_payloads_open_the_welcome(dialog: Dialog,
                                                       now: dt.datetime) -> None:
    for payload in ("nope", "saj_99999", "saj_abcd", "lang_xx", "lang_", "_", "x" * 64,
                    "sextortion\u202e", "../../etc"):
        chat = Chat(dialog, now)
        await chat.send(Start(payload))
        assert chat.nodes == ["start:start"], payload


def _lint_links(tmp_path: Path, text: str) -> list[str]:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    (flows / "links.yaml").write_text(text, encoding="utf-8")
    _, report = load_bundle(flows)
    return [f"{p.pos.line}:{p.rule}" for p in report.sorted() if p.pos.file.endswith("links.yaml")]


def test_lint_refuses_bad_names_and_targets(tmp_path: Path) -> None:
    out = _lint_links(tmp_path, 'links:\n  bad name: "menu:young"\n  saj_1000: "menu:young"\n'
                                '  ok: "menu:nowhere"\n  fine: "sexting:start"\n')
    assert out == ["2:bad-link-name", "3:bad-link-name", "4:unknown-target"]


def test_every_documented_link_opens_a_node() -> None:
    bundle, report = load_bundle(ROOT / "flows")
    assert bundle is not None and not report.errors
    assert {"sextortion", "grooming", "pro", "pro_steps", "sos", "saj"} <= set(bundle.links)
    assert all(bundle.node(t) for t in bundle.links.values())


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_links_command_lists_urls() -> None:
    out = _cli("links", "--bot", "TestBot", cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "https://t.me/TestBot?start=sextortion" in out.stdout
    assert "saj_5000" in out.stdout


def test_poster_writes_svg_and_png(tmp_path: Path) -> None:
    out = _cli("poster", "sextortion", "--lang", "ar", "--bot", "TestBot", "-o",
               str(tmp_path / "p"), cwd=ROOT)
    assert out.returncode == 0, out.stderr
    svg = (tmp_path / "p.svg").read_text(encoding="utf-8")
    assert "https://t.me/TestBot?start=sextortion" in svg and 'direction="rtl"' in svg
    with Image.open(tmp_path / "p.png") as png:
        assert png.size == (1240, 1754)
    refused = _cli("poster", "no-such-link", "--bot", "TestBot", cwd=tmp_path)
    assert refused.returncode == 2 and "not a deep link" in refused.stderr
