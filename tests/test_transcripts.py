"""Golden transcripts: conversations recorded with ``chat --record`` replay identically.

To pin a conversation: ``python -m bot chat --record tests/transcripts/NAME.jsonl``, talk,
Ctrl-D. After an intended content change, run ``pytest tests/test_transcripts.py
--update-transcripts`` and review ``git diff tests/transcripts`` before committing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console import run_console
from bot.dialog import Dialog

from .conftest import ROOT

TRANSCRIPTS = sorted((ROOT / "tests" / "transcripts").glob("*.jsonl"))


def load(path: Path) -> tuple[dict[str, str], list[dict[str, object]]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return lines[0], lines[1:]


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript_replays(dialog: Dialog, path: Path,
                                  request: pytest.FixtureRequest) -> None:
    header, steps = load(path)
    out = io.StringIO()
    record = io.StringIO()
    await run_console(dialog, [str(s["in"]) + "\n" for s in steps], out, lang=header["lang"],
                      jsonl=True, record=record, now=dt.datetime.fromisoformat(header["now"]))
    if request.config.getoption("--update-transcripts"):
        path.write_text(record.getvalue(), encoding="utf-8")
        return
    _, replayed = load_text(record.getvalue())
    for expected, got in zip(steps, replayed, strict=True):
        assert got == expected, (
            f"{path.name}: input {expected['in']!r} now answers differently "
            f"(if the content change is intended: pytest --update-transcripts)\n"
            + readable_diff(expected, got))


def readable_diff(expected: dict[str, object], got: dict[str, object]) -> str:
    """The two answers as text, line by line, as a maintainer reads them."""
    def lines(step: dict[str, object]) -> list[str]:
        out: list[str] = []
        for reply in step["out"]:  # type: ignore[attr-defined]
            out += [f"── {reply['node']}", *str(reply["text"]).splitlines(),
                    *(" | ".join(row) for row in reply["buttons"])]
        return out

    return "\n".join(difflib.unified_diff(lines(expected), lines(got), "recorded", "now",
                                          lineterm=""))


def load_text(text: str) -> tuple[dict[str, str], list[dict[str, object]]]:
    lines = [json.loads(line) for line in text.splitlines() if line]
    return lines[0], lines[1:]


def test_there_are_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 3


def test_chat_cli_jsonl_contract(tmp_path: Path) -> None:
    """The documented contract, through the real CLI process."""
    script = "/start\n[1]\n[99]\n@50.4669,4.8675\n<photo>\nsextorsion\n"
    proc = subprocess.run([sys.executable, "-m", "bot", "chat", "--jsonl"], input=script,
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[0]["node"] == "start:start" and rows[0]["lang"] == "fr"
    assert set(rows[0]) == {"node", "lang", "text", "buttons"}
    assert all(isinstance(row, list) for row in rows[0]["buttons"])
    assert rows[1]["node"] == "menu:young"
    assert "error" in rows[2]  # [99]: no such button, said, not fatal
    assert rows[3]["node"] == "system:saj_found" and "Namur" in rows[3]["text"]
    assert rows[4]["node"] == "system:media_deleted"
    assert rows[5]["node"].startswith("sextortion:")
