"""Open now / next opening at boundary times, midnight and DST changes (Europe/Brussels)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from actions.logic import helpline_status
from bot.engine.directory import parse_hours
from bot.engine.hours import TZ, status
from bot.engine.model import Hours
from bot.engine.problems import Pos, Report
from bot.engine.yamlsrc import load_yaml


def hours(spec: dict[str, list[str]]) -> Hours:
    report = Report()
    data = load_yaml(json.dumps(spec), "t.yaml", report)
    parsed = parse_hours(data, Pos("t"), report)
    assert parsed is not None and not report.problems
    return parsed


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


OFFICE = {"mo-fr": ["09:00-12:30", "13:30-17:00"]}
EVENING = {"mo-su": ["10:00-24:00"]}


@pytest.mark.parametrize("when,is_open", [
    (local(2026, 1, 5, 8, 59), False),   # Monday just before opening
    (local(2026, 1, 5, 9, 0), True),     # at opening
    (local(2026, 1, 5, 12, 29), True),
    (local(2026, 1, 5, 12, 30), False),  # lunch break starts
    (local(2026, 1, 5, 13, 30), True),
    (local(2026, 1, 5, 16, 59), True),
    (local(2026, 1, 5, 17, 0), False),   # closing time is closed
    (local(2026, 1, 10, 10, 0), False),  # Saturday
])
def test_office_hours_boundaries(when: dt.datetime, is_open: bool) -> None:
    assert status(hours(OFFICE), when).open is is_open


def test_next_opening_after_friday_evening_is_monday() -> None:
    st = status(hours(OFFICE), local(2026, 1, 9, 18, 0))
    assert not st.open and st.opens == local(2026, 1, 12, 9, 0)


def test_open_until_midnight_and_closed_after() -> None:
    st = status(hours(EVENING), local(2026, 1, 5, 23, 59))
    assert st.open and st.closes is not None and st.closes.date() == dt.date(2026, 1, 6)
    after = status(hours(EVENING), local(2026, 1, 6, 0, 0))
    assert not after.open and after.opens == local(2026, 1, 6, 10, 0)


def test_utc_input_is_converted_to_brussels_time() -> None:
    # 08:30 UTC in winter is 09:30 in Brussels: open
    assert status(hours(OFFICE), dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC)).open
    # 08:30 UTC in summer is 10:30 in Brussels: open; 06:30 UTC is 08:30: closed
    assert status(hours(OFFICE), dt.datetime(2026, 7, 6, 8, 30, tzinfo=dt.UTC)).open
    assert not status(hours(OFFICE), dt.datetime(2026, 7, 6, 6, 30, tzinfo=dt.UTC)).open


def test_dst_change_night() -> None:
    # 29 March 2026: clocks go from 02:00 to 03:00 in Brussels. 09:00 local is 07:00 UTC.
    spec = {"su": ["09:00-12:00"]}
    assert status(hours(spec), dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)).open
    assert not status(hours(spec), dt.datetime(2026, 3, 29, 6, 59, tzinfo=dt.UTC)).open
    # 25 October 2026: back from 03:00 to 02:00. 09:00 local is 08:00 UTC.
    assert status(hours(spec), dt.datetime(2026, 10, 25, 8, 0, tzinfo=dt.UTC)).open
    assert not status(hours(spec), dt.datetime(2026, 10, 25, 7, 59, tzinfo=dt.UTC)).open


def test_always_open() -> None:
    st = status(Hours(always=True), local(2026, 1, 5, 3, 0))
    assert st.always and st.open


def test_bad_hours_are_reported() -> None:
    report = Report()
    data = load_yaml('{"mo-xx": ["9-17"], "tu": ["17:00-09:00"]}', "f.yaml", report)
    parse_hours(data, Pos("f.yaml", 1, 1), report)
    assert [p.rule for p in report.problems] == ["bad-hours", "bad-hours"]


def test_helpline_status_from_the_directory() -> None:
    result = helpline_status(dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC))
    by_id = {s["contact"]: s for s in result["statuses"]}
    assert by_id["child_focus"]["always"] is True
    assert "ecoute_enfants" in by_id
    for item in result["statuses"]:
        assert item["known"] in (True, False)
        if not item["known"]:
            assert set(item) == {"contact", "known"}  # nothing guessed
