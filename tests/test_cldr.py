"""Language names, day names and times come from locales/cldr.json, written from Babel at
compile time: the same words as Babel's, without loading Babel's locale data in the bot."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_skeleton, get_day_names

from bot.engine import cldr
from bot.engine.i18n import DEFAULT_LOCALES, LANGS, language_name

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def restore_table() -> Iterator[None]:
    yield
    cldr.load(DEFAULT_LOCALES, LANGS)


def test_the_compiled_file_has_babels_words_for_every_language(tmp_path: Path) -> None:
    path = cldr.write(tmp_path, LANGS)
    languages = json.loads(path.read_text(encoding="utf-8"))["languages"]
    assert sorted(languages) == sorted(LANGS)
    for code in LANGS:
        calendar = Locale.parse(cldr.CALENDAR_LOCALE.get(code, code))
        entry = languages[code]
        assert entry["days_wide"] == [get_day_names("wide", locale=calendar)[d]
                                      for d in range(7)]
        assert entry["days_abbreviated"] == [get_day_names("abbreviated", locale=calendar)[d]
                                             for d in range(7)]
        own = Locale.parse(cldr.NAME_LOCALE.get(code, code))
        assert entry["name"] == own.get_display_name(own)
        words = cldr.Words(entry["name"], tuple(entry["days_wide"]),
                           tuple(entry["days_abbreviated"]), entry["hm"])
        for minute in range(0, 1440, 7):  # every hour, minutes of every kind
            when = dt.datetime(2026, 1, 5, minute // 60, minute % 60)
            assert words.clock(when) == format_skeleton("Hm", when, locale=calendar), code


def test_the_bot_never_loads_babels_locale_data() -> None:
    """The language menu, hours and open-now status in every language, and the content's
    own checks at start-up, read the compiled words (Babel's locale data: up to 20 MiB per
    process, benchmarks/run.py)."""
    code = """
import datetime as dt, json
from pathlib import Path
import babel.localedata
from bot.dialog import load_engine
from bot.engine import LANGS, language_name
from bot.engine.render import Renderer
engine = load_engine(Path("flows"), Path("locales"))
renderer = Renderer(engine.bundle, engine.translator)
contacts = [c for c in engine.bundle.directory.contacts.values() if c.hours]
assert contacts
now = dt.datetime(2026, 1, 10, 21, 30, tzinfo=dt.UTC)  # a Saturday night: "opens Monday"
texts = [language_name(c) for c in LANGS]
texts += [renderer.card(c, lang, now) for lang in LANGS for c in contacts]
print(json.dumps({"loaded": sorted(babel.localedata._cache), "texts": len(texts)}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["texts"] > len(LANGS)
    assert result["loaded"] == []


def test_without_the_file_babel_serves_the_same_words_and_the_log_says_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, restore_table: None) -> None:
    expected = {code: cldr.words(code) for code in LANGS}
    with caplog.at_level(logging.WARNING, logger="bot.engine.cldr"):
        missing = cldr.load(tmp_path, LANGS)
    assert missing == list(LANGS)
    assert "python -m bot i18n compile" in caplog.text
    assert {code: cldr.words(code) for code in LANGS} == expected
    assert language_name("nl") == "Nederlands"
    assert cldr.clock("bg", dt.datetime(2026, 1, 5, 9, 5)) == "09:05 ч."


@pytest.mark.parametrize("content", ["{not json", '{"version": 99, "languages": {}}',
                                     '{"version": 1, "languages": {"fr": {"name": "x"}}}',
                                     '{"version": 1, "languages": {"fr": {"name": "x", '
                                     '"days_wide": [], "days_abbreviated": [], "hm": "H"}}}'])
def test_a_broken_file_is_said_in_one_line_and_babel_serves(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str,
        restore_table: None) -> None:
    (tmp_path / cldr.FILE).write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.engine.cldr"):
        assert cldr.load(tmp_path, ("fr",)) == ["fr"]
    assert "cannot be read" in caplog.text and "Traceback" not in caplog.text
    assert cldr.words("fr").days_wide[0] == "lundi"


def test_a_pattern_beyond_hours_and_minutes_falls_back_to_babel(restore_table: None) -> None:
    odd = cldr.Words("x", ("d",) * 7, ("d",) * 7, "h:mm a")
    assert odd.clock(dt.datetime(2026, 1, 5, 13, 5)) is None
    cldr._TABLE["en"] = odd
    assert cldr.clock("en", dt.datetime(2026, 1, 5, 13, 5)) == "13:05"


def test_a_code_cldr_lacks_is_named_by_its_code_with_english_days() -> None:
    words = cldr.from_babel("xx")
    assert words.name == "xx" and words.days_wide[0] == "Monday" and words.hm == "HH:mm"
