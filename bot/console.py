"""The console simulator: the maintainers' preview and the acceptance-test interface.

Contract (stable, documented in the README):

- one event per stdin line: ``/cmd args`` a command; ``[Label]`` presses the button with that
  label on the latest bot message, ``[N]`` the N-th button (1-based, row by row);
  ``@LAT,LON`` shares a location; ``<photo>`` (or ``<video>``, ``<sticker>`` ...) sends media;
  anything else is typed text;
- with ``--jsonl``, one JSON object per bot message:
  ``{"node": "<flow>:<node>", "lang": "fr", "text": "...", "buttons": [["label", ...], ...]}``;
- exit status 0 at end of input.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import IO

from .dialog import Dialog
from .engine import Button, Event, Location, Media, Press, Reply, State, Text, command

_LOCATION = re.compile(r"^@\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
_MEDIA = re.compile(r"^<(photo|video|voice|document|sticker|animation|audio|video_note)>$")
_BUTTON = re.compile(r"^\[(.+)\]$")


def _strip_label(label: str) -> str:
    """A label as typed: no check mark, review star or leading emoji, case-folded."""
    text = " ".join(label.replace("✓", "").replace("*", "").split()).casefold()
    while text and not text[0].isalnum():
        text = text[1:].lstrip()
    return text


def find_button(reply: Reply | None, spec: str) -> Button | None:
    """The button ``[spec]`` designates on ``reply``: a 1-based number or a label."""
    if reply is None:
        return None
    flat = [b for row in reply.buttons for b in row]
    if spec.isdigit():
        index = int(spec) - 1
        return flat[index] if 0 <= index < len(flat) else None
    wanted = _strip_label(spec)
    for button in flat:
        if _strip_label(button.label) == wanted:
            return button
    for button in flat:  # a unique prefix is enough ("[Je suis un ou une jeune]" or "[🙋 Je]")
        if _strip_label(button.label).startswith(wanted):
            return button
    return None


def parse_line(line: str, last: Reply | None) -> Event | str | None:
    """The event a line stands for; a string is an error to show; None skips the line."""
    line = line.rstrip("\n")
    if not line.strip():
        return None
    if line.startswith("/"):
        return command(line)
    match = _BUTTON.match(line.strip())
    if match:
        button = find_button(last, match.group(1))
        if button is None:
            return f"no button [{match.group(1)}] on the last message"
        if button.copy is not None:
            return f"[{button.label}] copies {button.copy}"
        if button.choice is None:
            return f"[{button.label}] is a link: {button.url}"
        return Press(button.choice)
    match = _LOCATION.match(line)
    if match:
        return Location(float(match.group(1)), float(match.group(2)))
    match = _MEDIA.match(line.strip())
    if match:
        return Media(match.group(1))
    return Text(line)


def reply_json(reply: Reply, lang: str) -> dict[str, object]:
    return {
        "node": reply.node,
        "lang": lang,
        "text": reply.text,
        "buttons": [[b.label for b in row] for row in reply.buttons],
    }


def format_reply(reply: Reply) -> str:
    lines = [f"── {reply.node}", reply.text]
    n = 0
    for row in reply.buttons:
        cells = []
        for b in row:
            n += 1
            cells.append(f"[{n}] {b.label}" + (f" ↗ {b.url}" if b.url else "")
                         + (" ⧉" if b.copy else ""))
        lines.append("   ".join(cells))
    return "\n".join(lines) + "\n"


async def run_console(
    dialog: Dialog,
    lines: Iterable[str],
    out: IO[str],
    *,
    lang: str = "fr",
    jsonl: bool = False,
    record: IO[str] | None = None,
    now: dt.datetime | None = None,
    interactive: bool = False,
) -> int:
    """Play ``lines`` through the dialog; write replies to ``out``. Returns the exit status."""
    state = State(lang=lang, lang_chosen=lang != "fr")
    last: Reply | None = None
    if record is not None:
        stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        now = now or dt.datetime.fromisoformat(stamp)  # the replay uses the recorded clock
        record.write(json.dumps({"lang": lang, "now": stamp}) + "\n")
    if interactive:
        out.write("Type a message, [N] to press a button, /start to begin, Ctrl-D to quit.\n")
        out.flush()
    for line in lines:
        event = parse_line(line, last)
        if event is None:
            continue
        if isinstance(event, str):
            if jsonl:
                out.write(json.dumps({"error": event}, ensure_ascii=False) + "\n")
            else:
                out.write(f"!! {event}\n")
            out.flush()
            continue
        turn = await dialog.handle(state, event, now)
        state = turn.state
        for reply in turn.replies:
            if jsonl:
                out.write(json.dumps(reply_json(reply, state.lang), ensure_ascii=False) + "\n")
            else:
                out.write(format_reply(reply))
            last = reply
        if record is not None:
            record.write(json.dumps({"in": line.rstrip("\n"), "out": [
                reply_json(r, state.lang) for r in turn.replies]}, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def chat(dialog: Dialog, stdin: IO[str], stdout: IO[str], *, lang: str, jsonl: bool,
         record: IO[str] | None = None, now: dt.datetime | None = None) -> int:
    return asyncio.run(run_console(dialog, stdin, stdout, lang=lang, jsonl=jsonl, record=record,
                                   now=now, interactive=stdin.isatty() and not jsonl))
