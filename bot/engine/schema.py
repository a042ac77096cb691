"""Small validation helpers shared by the loaders: keys, types, identifiers."""

from __future__ import annotations

import re
from typing import Any

from .problems import Pos, Report, suggest
from .yamlsrc import LocDict, LocList

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def check_keys(
    data: LocDict,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    where: str,
    report: Report,
) -> None:
    """Report unknown keys (with a suggestion) and missing required keys."""
    for key in data:
        if key not in allowed:
            report.add(
                data.key_at(key),
                "unknown-key",
                f"'{key}' is not a known key of {where}",
                suggest(key, allowed, "Allowed here: " + ", ".join(sorted(allowed)) + "."),
            )
    for key in required:
        if key not in data:
            report.add(
                data.pos,
                "missing-key",
                f"{where} has no '{key}'",
                f"Add '{key}:' to it (see docs/flow-format.md).",
            )


def expect_mapping(value: Any, pos: Pos, where: str, report: Report) -> LocDict | None:
    if isinstance(value, LocDict):
        return value
    report.add(pos, "wrong-type", f"{where} must be a block of 'key: value' lines",
               "Indent its content under it, one 'key: value' per line.")
    return None


def expect_list(value: Any, pos: Pos, where: str, report: Report) -> LocList | None:
    if isinstance(value, LocList):
        return value
    report.add(pos, "wrong-type", f"{where} must be a list",
               "Write it as [a, b] or as lines starting with '- '.")
    return None


def expect_text(value: Any, pos: Pos, where: str, report: Report, *, empty_ok: bool = False
                ) -> str | None:
    if value is None and empty_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        report.add(pos, "wrong-type", f"{where} must be a text",
                   "Write the text after the colon; put it between quotes if it starts with "
                   "a special character.")
        return None
    text = str(value).strip()
    if not text and not empty_ok:
        report.add(pos, "empty-text", f"{where} is empty", "Write the text, or remove the key.")
        return None
    return text


def expect_id(value: Any, pos: Pos, where: str, report: Report) -> str | None:
    if isinstance(value, str) and ID_RE.match(value):
        return value
    report.add(pos, "bad-id", f"{where} '{value}' is not a valid identifier",
               "Use lowercase letters, digits and '_' only, starting with a letter.")
    return None


def text_list(value: Any, pos: Pos, where: str, report: Report) -> tuple[str, ...]:
    """A list of non-empty texts (a single text is accepted as a list of one)."""
    if isinstance(value, str):
        return (value,)
    items = expect_list(value, pos, where, report)
    if items is None:
        return ()
    out = []
    for i, item in enumerate(items):
        text = expect_text(item, items.at(i), f"an item of {where}", report)
        if text:
            out.append(text)
    return tuple(out)
