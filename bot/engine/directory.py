"""The contact directory: every phone, address, hour and fact the bot shows, with sources."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .model import WEEKDAYS, Contact, Directory, Fact, Hours, Interval, Portal
from .problems import Pos, Report
from .schema import check_keys, expect_id, expect_mapping, expect_text, text_list
from .yamlsrc import LocDict, load_yaml

CONTACT_KEYS = (
    "name", "what", "audience", "area", "kind", "phone", "chat", "web", "email", "address",
    "hours", "hours_confirmed", "free", "anonymous", "source", "verified", "confidence",
    "location", "note",
)
CONTACT_REQUIRED = (
    "name", "what", "audience", "kind", "phone", "web", "hours", "source", "verified",
    "confidence",
)
FACT_KEYS = ("text", "source", "verified", "confidence", "code", "note")
FACT_REQUIRED = ("text", "source", "verified", "confidence")
#: Which Criminal Code a legal fact's article numbers belong to: the Code of 1867 ("old",
#: cited as "ancien art.") or the new Code (Books 1 and 2, laws of 29 February 2024).
CODES = ("old", "2026")
# a fact citing an article or the Criminal Code is a legal fact and needs a `code:`
_LEGAL = re.compile(r"\b(?:art\.|article)\s*\d|code pénal", re.IGNORECASE)
_ARTICLE = re.compile(r"\b(?:art\.|article)\s*\d", re.IGNORECASE)
KINDS = ("emergency", "helpline", "chat", "saj", "service", "website")
CONFIDENCE = ("verified", "partly", "unconfirmed")
FIELDS = ("name", "phone", "chat", "web", "email", "address", "hours", "what")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def empty() -> Directory:
    return Directory(Portal("", ""), {}, {})


def _minutes(h: str, m: str) -> int:
    return int(h) * 60 + int(m)


def parse_hours(value: Any, pos: Pos, report: Report) -> Hours | None:
    """``"24/7"``, ``None`` (unknown) or ``{mo-fr: ["09:00-12:30", ...]}``."""
    if value is None:
        return None
    if value == "24/7":
        return Hours(always=True)
    if not isinstance(value, LocDict):
        report.add(pos, "bad-hours", f"hours '{value}' are not understood",
                   "Write \"24/7\", null when unknown, or {mo-fr: [\"09:00-17:00\"]}.")
        return None
    week: list[list[Interval]] = [[] for _ in WEEKDAYS]
    for spec, ranges in value.items():
        first, _, last = str(spec).partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            report.add(value.key_at(spec), "bad-hours", f"'{spec}' is not a day or day range",
                       "Use mo tu we th fr sa su, or a range such as mo-fr.")
            continue
        days = range(WEEKDAYS.index(first), WEEKDAYS.index(last or first) + 1)
        for text in text_list(ranges, value.at(spec), f"hours of {spec}", report):
            match = _RANGE.match(text)
            start = _minutes(*match.groups()[:2]) if match else -1
            end = _minutes(*match.groups()[2:]) if match else -1
            if not match or not 0 <= start < end <= 1440:
                report.add(value.at(spec), "bad-hours", f"'{text}' is not an opening range",
                           "Write it as HH:MM-HH:MM, e.g. 09:00-12:30 (24:00 for midnight).")
                continue
            for day in days:
                week[day].append(Interval(start, end))
    return Hours(week=tuple(tuple(sorted(d, key=lambda i: i.start)) for d in week))


def _date(value: Any, pos: Pos, report: Report) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    report.add(pos, "bad-date", f"'{value}' is not a date",
               "Write the date of the last check as YYYY-MM-DD.")
    return None


def _sources(data: LocDict, where: str, report: Report) -> tuple[str, ...]:
    sources = text_list(data.get("source") or [], data.at("source"), "source", report)
    if not sources:
        report.add(data.at("source"), "missing-source", f"{where} has no source",
                   "Add the address of the page where the fact was checked.")
    for src in sources:
        if not src.startswith(("http://", "https://")):
            report.add(data.at("source"), "bad-url", f"the source '{src}' is not a web address",
                       "Give the page's address, starting with https://.")
    return sources


def _confidence(data: LocDict, report: Report) -> str:
    value = str(data.get("confidence", ""))
    if value not in CONFIDENCE:
        report.add(data.at("confidence"), "bad-value", f"confidence '{value}' is not known",
                   "Use verified, partly or unconfirmed.")
    return value


def _optional(data: LocDict, key: str, report: Report) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    return expect_text(value, data.at(key), f"'{key}'", report)


def _tristate(data: LocDict, key: str, report: Report) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    report.add(data.at(key), "wrong-type", f"'{key}' must be true, false or null",
               "Write null when the source does not say.")
    return None


def _contact(cid: str, data: LocDict, report: Report) -> Contact | None:
    where = f"contact '{cid}'"
    check_keys(data, CONTACT_KEYS, CONTACT_REQUIRED, where, report)
    name = expect_text(data.get("name"), data.at("name"), f"the name of {where}", report)
    what = expect_text(data.get("what"), data.at("what"), f"'what' of {where}", report)
    kind = str(data.get("kind", ""))
    if "kind" in data and kind not in KINDS:
        report.add(data.at("kind"), "bad-value", f"kind '{kind}' is not known",
                   "Use one of: " + ", ".join(KINDS) + ".")
    audience = text_list(data.get("audience") or [], data.at("audience"), "audience", report)
    location = None
    if data.get("location") is not None:
        loc = expect_mapping(data["location"], data.at("location"), "'location'", report)
        if loc is not None:
            try:
                location = (float(loc["lat"]), float(loc["lon"]))
            except (KeyError, TypeError, ValueError):
                report.add(data.at("location"), "bad-value", "location needs lat and lon",
                           "Write {lat: 50.46, lon: 4.86}.")
    hours = parse_hours(data.get("hours"), data.at("hours"), report)
    confirmed = data.get("hours_confirmed", hours is not None)
    if name is None or what is None:
        return None
    return Contact(
        id=cid, name=name, what=what, pos=data.pos, kind=kind, audience=audience,
        area=_optional(data, "area", report), phone=_optional(data, "phone", report),
        chat=_optional(data, "chat", report), web=_optional(data, "web", report),
        email=_optional(data, "email", report), address=_optional(data, "address", report),
        hours=hours, hours_confirmed=bool(confirmed) and hours is not None,
        free=_tristate(data, "free", report), anonymous=_tristate(data, "anonymous", report),
        source=_sources(data, where, report),
        verified=_date(data.get("verified"), data.at("verified"), report),
        confidence=_confidence(data, report), location=location,
        note=_optional(data, "note", report),
    )


def _legal_code(fid: str, item: LocDict, text: str, pos: Pos, report: Report) -> str | None:
    """A legal fact (it cites an article or the Criminal Code) says which Code it follows."""
    code = item.get("code")
    if code is not None:
        code = str(code)
        if code not in CODES:
            report.add(item.at("code"), "bad-value", f"code '{code}' is not known",
                       "Use old (Code pénal of 1867, cite 'ancien art.') or 2026 (new Code).")
            return None
    if code is None and _LEGAL.search(text):
        report.add(pos, "legal-fact-without-code",
                   f"the fact '{fid}' cites the Criminal Code but does not say which one",
                   "Add 'code: old' (article numbers of the Code of 1867, written "
                   "'ancien art. ...') or 'code: 2026' (new Criminal Code), with its source.")
    if code == "old" and _ARTICLE.search(text) and "ancien" not in text.lower():
        report.add(item.at("text"), "old-article-unmarked",
                   f"the fact '{fid}' cites an article of the old Criminal Code as if current",
                   "Write 'ancien art. ...': the new Criminal Code is in force since 2026.")
    return code


def load_directory(data: Any, file: str, report: Report) -> Directory:
    """Build the directory from ``contacts.yaml``; every row needs a source and a date."""
    top = expect_mapping(data, Pos(file, 1, 1), "the contact directory", report)
    if top is None:
        return empty()
    check_keys(top, ("portal", "contacts", "facts"), ("portal", "contacts"),
               "the contact directory", report)
    portal = Portal("", "")
    raw_portal = expect_mapping(top.get("portal"), top.at("portal"), "'portal'", report)
    if raw_portal is not None:
        check_keys(raw_portal, ("name", "url", "source"), ("name", "url"), "'portal'", report)
        portal = Portal(str(raw_portal.get("name", "")), str(raw_portal.get("url", "")),
                        text_list(raw_portal.get("source") or [], raw_portal.at("source"),
                                  "source", report))
    contacts: dict[str, Contact] = {}
    raw = expect_mapping(top.get("contacts"), top.at("contacts"), "'contacts'", report)
    for cid, row in (raw or {}).items():
        pos = raw.key_at(cid) if raw else top.pos
        if expect_id(cid, pos, "the contact id", report) is None:
            continue
        item = expect_mapping(row, pos, f"contact '{cid}'", report)
        contact = _contact(cid, item, report) if item is not None else None
        if contact:
            contacts[cid] = contact
    facts: dict[str, Fact] = {}
    raw_facts = expect_mapping(top["facts"], top.at("facts"), "'facts'", report) \
        if "facts" in top else None
    for fid, row in (raw_facts or {}).items():
        pos = raw_facts.key_at(fid) if raw_facts else top.pos
        item = expect_mapping(row, pos, f"fact '{fid}'", report)
        if item is None or expect_id(fid, pos, "the fact id", report) is None:
            continue
        check_keys(item, FACT_KEYS, FACT_REQUIRED, f"fact '{fid}'", report)
        text = expect_text(item.get("text"), item.at("text"), f"fact '{fid}'", report)
        code = _legal_code(fid, item, text or "", pos, report)
        facts[fid] = Fact(fid, text or "", pos, _sources(item, f"fact '{fid}'", report),
                          _date(item.get("verified"), item.at("verified"), report),
                          _confidence(item, report), code=code,
                          note=_optional(item, "note", report))
    return Directory(portal, contacts, facts)


def load_directory_file(path: Any) -> tuple[Directory, Report]:
    """Load only ``contacts.yaml`` (for the actions, which need no flows)."""
    report = Report()
    file = Path(path)
    data = load_yaml(file.read_text(encoding="utf-8"), str(file), report)
    return load_directory(data, str(file), report), report
