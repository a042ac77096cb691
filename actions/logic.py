"""What the actions compute, as plain functions returning structured data (no sentences)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.engine import (
    Directory,
    HelplineResult,
    HelplineStatus,
    SajResult,
    load_directory_file,
    status,
)
from bot.errors import ActionError

from .saj_finder import Lookup, SajFinder

CONTACTS_FILE = Path(__file__).resolve().parents[1] / "flows" / "contacts.yaml"
#: Helplines whose status the bot gives by default, in this order.
DEFAULT_HELPLINES = ("ecoute_enfants", "child_focus", "prevention_suicide", "tele_accueil",
                     "maintenant_jen_parle")


@lru_cache(maxsize=1)
def finder() -> SajFinder:
    return SajFinder.load()


@lru_cache(maxsize=4)
def directory(path: Path = CONTACTS_FILE) -> Directory:
    loaded, report = load_directory_file(path)
    if report.errors:
        raise ActionError(f"{path}: {len(report.errors)} problem(s); run 'python -m bot lint'")
    return loaded


def _place_label(lookup_commune: Any, lang: str = "fr") -> str:
    codes = " ".join(lookup_commune.postcodes[:2])
    name = str(lookup_commune.name(lang))
    return f"{name} ({codes})" if codes else name


MAX_NAMED = 3


def describe_lookup(lookup: Lookup, lang: str = "fr") -> SajResult:
    """Structured result of a SAJ lookup: kind, target contact id, communes, options.

    ``communes`` names the matching communes when there are at most three (a postcode shared
    by two Brussels communes); a location resolved to a whole canton names none, and the
    engine then says "where you are" instead of picking one commune arbitrarily. Names are
    in ``lang`` where Statbel has one (Gent, Brussel, Lüttich), else in French.
    """
    if lookup.kind == "found" and lookup.target is not None:
        names = [c.name(lang) for c in lookup.communes]
        return {"kind": "found", "target": lookup.target,
                "communes": names if len(names) <= MAX_NAMED else [],
                "refnis": lookup.commune.refnis if lookup.commune else None}
    if lookup.kind == "choose":
        return {"kind": "choose", "query_kind": lookup.query_kind, "options": [
            {"refnis": c.refnis, "label": _place_label(c, lang), "target": c.target}
            for c in lookup.communes]}
    return {"kind": lookup.kind}


def find_saj(query: str | None = None, refnis: str | None = None,
             lat: float | None = None, lon: float | None = None, lang: str = "fr"
             ) -> SajResult:
    """The competent SAJ for a postal code/commune text, a commune code or a location."""
    f = finder()
    if refnis:
        commune = f.commune(refnis)
        if commune is None:
            return {"kind": "not_found"}
        return describe_lookup(Lookup("found", (commune,), "name"), lang)
    if lat is not None and lon is not None:
        return describe_lookup(f.by_location(lat, lon), lang)
    return describe_lookup(f.search(query or ""), lang)


def helpline_status(now: dt.datetime, contact_ids: tuple[str, ...] = DEFAULT_HELPLINES,
                    directory_: Directory | None = None) -> HelplineResult:
    """Open-now status of each helpline at ``now``, from the directory's opening hours."""
    d = directory_ or directory()
    statuses: list[HelplineStatus] = []
    for cid in contact_ids:
        contact = d.contacts.get(cid)
        if contact is None:
            continue
        if contact.hours is None:
            statuses.append({"contact": cid, "known": False})
            continue
        st = status(contact.hours, now)
        statuses.append({
            "contact": cid, "known": True, "always": st.always, "open": st.open,
            "closes": st.closes.isoformat() if st.closes else None,
            "opens": st.opens.isoformat() if st.opens else None,
            "confirmed": contact.hours_confirmed,
        })
    return {"statuses": statuses}


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _when(value: Any) -> dt.datetime:
    try:
        now = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        now = None
    now = now or dt.datetime.now(dt.UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)


def run(name: str, slots: dict[str, Any]) -> SajResult | HelplineResult:
    """One action from its slots, as the rasa-sdk Action classes and the bot's in-process
    runner both call it (the same slot names a Rasa assistant declares)."""
    if name == "find_saj":
        return find_saj(query=slots.get("place_query"), refnis=slots.get("place_refnis"),
                        lat=_float(slots.get("lat")), lon=_float(slots.get("lon")),
                        lang=str(slots.get("language") or "fr"))
    if name == "helpline_status":
        wanted = slots.get("helplines")
        now = _when(slots.get("now"))
        if isinstance(wanted, list) and wanted and all(isinstance(c, str) for c in wanted):
            return helpline_status(now, tuple(wanted))
        return helpline_status(now)
    raise ActionError(f"no action named {name!r}")
