"""The emergency intro names a line that is open *now*, computed from the directory's hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.engine import Engine, hours
from bot.engine.i18n import Translator
from bot.engine.loader import load_bundle
from bot.engine.model import Bundle
from bot.engine.screens import render_node
from bot.engine.state import State

BRUSSELS = hours.TZ
# 02:30 on a Tuesday night, 14:00 on a weekday, 14:00 and 23:30 on a Sunday (local time)
CLOCKS = {
    "night_0230": dt.datetime(2026, 12, 8, 2, 30, tzinfo=BRUSSELS),
    "day_1400": dt.datetime(2026, 12, 8, 14, 0, tzinfo=BRUSSELS),
    "sunday_1400": dt.datetime(2026, 12, 6, 14, 0, tzinfo=BRUSSELS),
    "sunday_0230": dt.datetime(2026, 12, 6, 2, 30, tzinfo=BRUSSELS),
}
NODES = ("emergency:start", "emergency:suicide")


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    loaded, report = load_bundle()
    assert not [p for p in report.errors if p.rule != "missing-translation"]
    return loaded


def intro(bundle: Bundle, key: str, now: dt.datetime, lang: str = "fr") -> str:
    engine = Engine.for_rendering(bundle, Translator())
    node = bundle.node(key)
    assert node is not None
    text = render_node(engine, State(lang=lang), node, now).text
    return text.split("\n\n")[0]  # the node's own text, before the contact cards


def named_line(bundle: Bundle, key: str, now: dt.datetime) -> str:
    node = bundle.node(key)
    assert node is not None and node.open_now
    engine = Engine.for_rendering(bundle, Translator())
    contact = engine.renderer.open_now(node.open_now, now)
    assert contact is not None
    return contact.id


@pytest.mark.parametrize("clock", CLOCKS, ids=list(CLOCKS))
@pytest.mark.parametrize("key", NODES)
def test_intro_never_names_a_closed_line(bundle: Bundle, key: str, clock: str) -> None:
    now = CLOCKS[clock]
    cid = named_line(bundle, key, now)
    contact = bundle.directory.contacts[cid]
    assert contact.hours is not None and contact.hours_confirmed
    assert hours.status(contact.hours, now).open, f"{key} names {cid}, closed at {now}"
    text = intro(bundle, key, now)
    assert contact.phone is not None and contact.phone in text
    # no phone of a closed or unconfirmed line among the lines the intro may choose from
    for other in bundle.node(key).open_now:  # type: ignore[union-attr]
        c = bundle.directory.contacts[other]
        if other != cid and c.phone and (c.hours is None or not c.hours_confirmed
                                          or not hours.status(c.hours, now).open):
            assert f"\u2068{c.phone}\u2069" not in text


def test_103_is_named_when_its_hours_are_confirmed_and_open(bundle: Bundle) -> None:
    """The choice follows the directory: confirm 103's hours and it is named by day only."""
    contacts = dict(bundle.directory.contacts)
    contacts["ecoute_enfants"] = replace(contacts["ecoute_enfants"], hours_confirmed=True)
    confirmed = replace(bundle, directory=replace(bundle.directory, contacts=contacts))
    assert named_line(confirmed, "emergency:start", CLOCKS["day_1400"]) == "ecoute_enfants"
    assert named_line(confirmed, "emergency:start", CLOCKS["sunday_1400"]) == "ecoute_enfants"
    assert named_line(confirmed, "emergency:start", CLOCKS["night_0230"]) == "child_focus"
    assert "\u2068103\u2069" not in intro(confirmed, "emergency:start", CLOCKS["night_0230"])
    assert "\u2068103\u2069" in intro(confirmed, "emergency:start", CLOCKS["day_1400"])


def test_unconfirmed_hours_are_never_trusted_at_night_or_day(bundle: Bundle) -> None:
    # 103's hours are unconfirmed in the directory: a 24/7 confirmed line is named instead
    for now in CLOCKS.values():
        assert named_line(bundle, "emergency:start", now) != "ecoute_enfants"


def test_tournai_is_closed_on_sunday(bundle: Bundle) -> None:
    tournai = bundle.directory.contacts["saj_tournai"]
    assert tournai.hours is not None
    assert not hours.status(tournai.hours, CLOCKS["sunday_1400"]).open
    assert hours.status(tournai.hours, CLOCKS["day_1400"]).open


def test_german_speakers_see_108_first(bundle: Bundle) -> None:
    engine = Engine.for_rendering(bundle, Translator())
    for key in ("emergency:start", "helplines:start"):
        node = bundle.node(key)
        assert node is not None
        text = render_node(engine, State(lang="de"), node, CLOCKS["night_0230"]).text
        fr = render_node(engine, State(lang="fr"), node, CLOCKS["night_0230"]).text
        assert "\u2068108\u2069" in text and "\u2068108\u2069" not in fr
