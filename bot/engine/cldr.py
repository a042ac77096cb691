"""Language names and calendar words from CLDR, read from a small file at run time.

Babel carries all of CLDR, but reading one language's own name or one day name makes it
load that locale whole, merged with the root locale: the language menu and opening hours in
every language cost 20 MiB and 60 ms in each process (and after the fork, in each
``WORKERS`` worker, unshared; ``benchmarks/run.py``, docs/performance.md), for a few words
per language. ``python -m bot i18n compile`` (run at install, like the catalogs it
compiles) writes those words from Babel to ``locales/cldr.json``: generated, not committed.
:func:`load` reads them with the catalogs. A language the file lacks, or no readable file,
is served by Babel as before (the same words, the memory above), and :func:`load` says so
once in the log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, get_day_names, match_skeleton, parse_pattern

log = logging.getLogger(__name__)

FILE = "cldr.json"
VERSION = 1
#: Where a code of ours has no locale of its own in Babel, for its name in the menu.
NAME_LOCALE = {"zh": "zh_Hans", "pcm": "pcm"}
#: For day names and times: Babel's "pcm" writes day names in an orthography few Nigerian
#: teenagers read; English names are what they know.
CALENDAR_LOCALE = {"zh": "zh_Hans", "pcm": "en"}
#: Times checked when the file is written: the pattern read back must give Babel's text.
_CHECK_TIMES = (dt.datetime(2026, 1, 5, 0, 0), dt.datetime(2026, 1, 5, 9, 5),
                dt.datetime(2026, 1, 5, 13, 47), dt.datetime(2026, 1, 5, 23, 59))


@dataclass(frozen=True)
class Words:
    """One language's words: its own name, the day names (Monday first) and the CLDR
    pattern of a 24-hour time ("HH:mm")."""

    name: str
    days_wide: tuple[str, ...]
    days_abbreviated: tuple[str, ...]
    hm: str

    def clock(self, when: dt.datetime) -> str | None:
        """The time in this pattern, or None if it asks for more than hours and minutes."""
        fields = {"HH": f"{when.hour:02d}", "H": str(when.hour),
                  "mm": f"{when.minute:02d}", "m": str(when.minute)}
        try:
            return str(parse_pattern(self.hm).format) % fields
        except (KeyError, ValueError, TypeError):
            return None


_TABLE: dict[str, Words] = {}


def _locale(code: str, table: dict[str, str]) -> Locale:
    try:
        return Locale.parse(table.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def from_babel(code: str) -> Words:
    """The words of one language, from Babel (loads that locale's whole data)."""
    try:
        own = Locale.parse(NAME_LOCALE.get(code, code))
        name = own.get_display_name(own) or code
    except (UnknownLocaleError, ValueError, LookupError):  # a code CLDR lacks: the code
        name = code
    calendar = _locale(code, CALENDAR_LOCALE)
    wide, short = get_day_names("wide", locale=calendar), get_day_names("abbreviated",
                                                                        locale=calendar)
    skeletons = calendar.datetime_skeletons  # as format_skeleton picks it
    pattern = skeletons.get("Hm") or skeletons[match_skeleton("Hm", skeletons) or "Hm"]
    return Words(name, tuple(wide[d] for d in range(7)), tuple(short[d] for d in range(7)),
                 str(getattr(pattern, "pattern", pattern)))


def write(locales: Path, codes: tuple[str, ...]) -> Path:
    """Write the words of ``codes`` to ``locales/cldr.json``; a language whose time pattern
    would not read back as Babel writes it is left out (Babel then serves it)."""
    out: dict[str, Any] = {}
    for code in codes:
        words = from_babel(code)
        calendar = _locale(code, CALENDAR_LOCALE)
        if all(words.clock(t) == format_skeleton("Hm", t, locale=calendar)
               for t in _CHECK_TIMES):
            out[code] = {"name": words.name, "days_wide": list(words.days_wide),
                         "days_abbreviated": list(words.days_abbreviated), "hm": words.hm}
    path = locales / FILE
    path.write_text(json.dumps({"version": VERSION, "languages": out}, ensure_ascii=False,
                               indent=1) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> dict[str, Words]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("not this version")
    table = {}
    for code, entry in data["languages"].items():
        words = Words(str(entry["name"]), tuple(map(str, entry["days_wide"])),
                      tuple(map(str, entry["days_abbreviated"])), str(entry["hm"]))
        if len(words.days_wide) != 7 or len(words.days_abbreviated) != 7:
            raise ValueError(f"{code}: not seven days")
        table[code] = words
    return table


def load(locales: Path, codes: tuple[str, ...]) -> list[str]:
    """Read ``locales/cldr.json`` for ``codes``; the codes it does not serve (Babel will),
    said once in the log."""
    path = locales / FILE
    try:
        table = _read(path)
    except FileNotFoundError:
        table = {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s cannot be read (%s): run 'python -m bot i18n compile'", path,
                    type(exc).__name__)
        table = {}
    _TABLE.clear()
    _TABLE.update({code: words for code, words in table.items() if code in codes})
    missing = [code for code in codes if code not in _TABLE]
    if missing:
        log.warning("language names and calendar words of %s come from Babel's full locale "
                    "data (up to 20 MiB more per process): run 'python -m bot i18n compile' "
                    "to write %s", " ".join(missing), path)
    return missing


def words(code: str) -> Words:
    """The words of one language: from the file, else from Babel (kept once read)."""
    found = _TABLE.get(code)
    if found is None:
        found = _TABLE[code] = from_babel(code)
    return found


def clock(code: str, when: dt.datetime) -> str:
    """A 24-hour time as the language writes it (Belgium uses 24 h)."""
    text = words(code).clock(when)
    if text is None:
        text = format_skeleton("Hm", when.replace(tzinfo=None),
                               locale=_locale(code, CALENDAR_LOCALE))
    return text
