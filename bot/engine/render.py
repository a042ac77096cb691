"""Turn content into the words a user reads, in their language.

Placeholders ``{contact.field}`` are filled from the directory (never guessed: an unknown
field says so and shows the official portal); phone numbers are wrapped in Unicode isolation
marks so they keep their digit order inside right-to-left text; hours are written with Babel
in the user's language (CLDR's words, from ``locales/cldr.json``: :mod:`.cldr`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from . import cldr
from . import hours as hours_mod
from .i18n import RTL_LANGS, SOURCE_LANG, Translator
from .model import WEEKDAYS, Bundle, Contact, Hours

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.([a-z_]+))?\}")
CONTACT_FIELDS = ("name", "phone", "chat", "web", "email", "address", "hours", "what")
#: ``{open_now.phone}``: the first contact of the node's ``open_now:`` list open right now
OPEN_NOW = "open_now"
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate
RLM = "\u200f"


#: How a short list reads ("gratuit, anonyme") where the comma or brackets differ.
_SEPARATOR = {"ar": "، ", "fa": "، ", "ps": "، ", "zh": "、", "ti": "፣ "}
_BRACKETS = {"zh": ("（", "）")}


def in_brackets(items: list[str], lang: str) -> str:
    """`` (a, b)`` with the language's own comma and brackets."""
    left, right = _BRACKETS.get(lang, (" (", ")"))
    return left + _SEPARATOR.get(lang, ", ").join(items) + right


def _strong(ch: str) -> str | None:
    kind = unicodedata.bidirectional(ch)
    if kind in ("R", "AL"):
        return "rtl"
    return "ltr" if kind == "L" else None


def line_direction(line: str) -> str | None:
    """A line's paragraph direction by the Unicode bidi algorithm (rules P2-P3): its first
    strong character, skipping isolated runs (FSI/LRI/RLI ... PDI); None if it has none."""
    depth = 0
    for ch in line:
        if ch in "\u2066\u2067\u2068":
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif depth == 0 and (kind := _strong(ch)):
            return kind
    return None


def directional(text: str, lang: str) -> str:
    """Right-to-left text that reads right to left on every line: a line holding any
    right-to-left letter starts with a right-to-left mark (a line of Latin letters only, a
    link or a French fallback, keeps its own direction)."""
    if lang not in RTL_LANGS:
        return text
    return "\n".join(
        RLM + line if not line.startswith(RLM) and any(_strong(c) == "rtl" for c in line)
        else line for line in text.split("\n"))


def isolate(value: str) -> str:
    """Keep a number or address in its own direction inside any text."""
    return f"{FSI}{value}{PDI}"


@dataclass
class Renderer:
    """Renders texts of one bundle with one translator."""

    bundle: Bundle
    translator: Translator

    def t(self, lang: str, msgid: str) -> tuple[str, bool]:
        return self.translator.text(lang, msgid)

    def ui(self, lang: str, key: str, **params: str) -> str:
        text, _ = self.t(lang, self.bundle.ui.get(key, key))
        return self._params(text, params)

    @staticmethod
    def _params(text: str, params: Mapping[str, str]) -> str:
        def sub(m: re.Match[str]) -> str:
            if m.group(2) is None and m.group(1) in params:
                return params[m.group(1)]
            return m.group(0)

        return PLACEHOLDER.sub(sub, text)

    # -- contacts -------------------------------------------------------------------------

    def unknown(self, lang: str, contact: Contact | None = None) -> str:
        """"Not confirmed", with where to check: the SAJ portal for an SAJ (or no contact),
        the service's own page for any other service (never the SAJ portal)."""
        if contact is None or contact.kind == "saj":
            return self.ui(lang, "unknown_value", portal=self.bundle.directory.portal.url)
        if contact.web:
            return self.ui(lang, "unknown_value", portal=contact.web)
        return self.ui(lang, "unknown_plain")

    def field(self, contact: Contact, name: str, lang: str, now: dt.datetime) -> str:
        if name == "name":  # a Latin name inside right-to-left text keeps to itself
            name_text = self.t(lang, contact.name)[0]
            return isolate(name_text) if lang in RTL_LANGS else name_text
        if name == "what":
            return self.t(lang, contact.what)[0]
        if name == "hours":
            return self.hours_text(contact, lang, now)
        value: str | None = getattr(contact, name)
        if value is None:
            return self.unknown(lang, contact)
        if name in ("phone", "address"):
            return isolate(value)
        return value

    def hours_text(self, contact: Contact, lang: str, now: dt.datetime,
                   live: bool = True) -> str:
        """Hours in words plus (``live``) open-now status; "not confirmed" where the source is
        weak."""
        if contact.hours is None:
            return self.ui(lang, "hours_unknown")
        if contact.hours.always:
            text = self.ui(lang, "hours_always")
        else:
            text = self.week_text(contact.hours, lang)
            if live:
                st = hours_mod.status(contact.hours, now)
                text += " · " + self.status_text(st, lang, now)
        if not contact.hours_confirmed:
            text += " " + self.ui(lang, "hours_unconfirmed")
        return text

    def status_text(self, st: hours_mod.OpenStatus, lang: str, now: dt.datetime) -> str:
        if st.always:
            return self.ui(lang, "hours_always")
        if st.open and st.closes is not None:
            return self.ui(lang, "open_until", time=isolate(cldr.clock(lang, st.closes)))
        if st.opens is not None:
            local_today = now.astimezone(hours_mod.TZ).date()
            delta = (st.opens.date() - local_today).days
            if delta == 0:
                day = self.ui(lang, "today")
            elif delta == 1:
                day = self.ui(lang, "tomorrow")
            else:
                day = cldr.words(lang).days_wide[st.opens.weekday()]
            return self.ui(lang, "closed_opens", day=day,
                           time=isolate(cldr.clock(lang, st.opens)))
        return self.ui(lang, "hours_unknown")

    def week_text(self, hours: Hours, lang: str) -> str:
        names = cldr.words(lang).days_abbreviated
        groups: list[tuple[int, int, str]] = []
        for day in range(len(WEEKDAYS)):
            intervals = hours.week[day]
            if not intervals:
                continue
            spans = ", ".join(
                f"{self._hm(i.start, lang)}–{self._hm(i.end, lang)}" for i in intervals)
            if groups and groups[-1][1] == day - 1 and groups[-1][2] == spans:
                groups[-1] = (groups[-1][0], day, spans)
            else:
                groups.append((day, day, spans))
        parts = []
        for first, last, spans in groups:
            days = names[first] if first == last else f"{names[first]}–{names[last]}"
            parts.append(f"{days} {isolate(spans)}")
        return "; ".join(parts)

    @staticmethod
    def _hm(minutes: int, lang: str) -> str:
        if minutes >= 1440:  # midnight at the end of a day reads as 24:00, not 00:00
            return "24:00"
        return cldr.clock(lang, dt.datetime(2026, 1, 5, minutes // 60, minutes % 60))

    def card(self, contact: Contact, lang: str, now: dt.datetime, short: bool = False) -> str:
        """A compact contact card: name and phone, what it does, hours, links.

        ``short``: a card to pass on (``cards: short``): no description (it may name a
        topic), no address, no open-now status (it would be stale once forwarded)."""
        head = f"📞 {self.t(lang, contact.name)[0]}"
        if contact.phone:
            head += f" — {isolate(contact.phone)}"
        lines = [head, "" if short else self.t(lang, contact.what)[0]]
        if contact.free:
            extras = [self.ui(lang, "free")]
            if contact.anonymous:
                extras.append(self.ui(lang, "anonymous"))
            lines[-1] += in_brackets(extras, lang)
        lines[-1] = lines[-1].lstrip()
        if not lines[-1]:
            lines.pop()
        if contact.kind != "website":
            lines.append("🕒 " + self.hours_text(contact, lang, now, live=not short))
        if contact.address and not short:
            lines.append("📍 " + isolate(contact.address))
        for link in (contact.chat, contact.web):
            if link:
                lines.append("🌐 " + link)
                break
        if not contact.phone and not contact.web and not contact.chat:
            lines.append("ℹ️ " + self.unknown(lang, contact))
        return directional("\n".join(lines), lang)

    # -- node text ------------------------------------------------------------------------

    def open_now(self, ids: tuple[str, ...], now: dt.datetime) -> Contact | None:
        """The first of ``ids`` open at ``now`` by hours whose source is confirmed.

        Lines with unconfirmed hours are skipped: an emergency text must never send someone
        to a line that may be closed. Lint requires a confirmed 24/7 line in every list, so
        the last resort (the list's last contact) is never reached with valid content.
        """
        contacts = self.bundle.directory.contacts
        known = [contacts[c] for c in ids if c in contacts]
        for contact in known:
            if contact.hours is None or not contact.hours_confirmed:
                continue
            if hours_mod.status(contact.hours, now).open:
                return contact
        return known[-1] if known else None

    def fill(self, text: str, lang: str, now: dt.datetime, params: Mapping[str, str],
             open_now: tuple[str, ...] = ()) -> str:
        contacts = self.bundle.directory.contacts
        line = self.open_now(open_now, now) if open_now and "{open_now." in text else None

        def sub(m: re.Match[str]) -> str:
            cid, name = m.group(1), m.group(2)
            if name is None:
                return params.get(cid, m.group(0))
            contact = line if cid == OPEN_NOW else contacts.get(cid)
            if contact is None or name not in CONTACT_FIELDS:
                return m.group(0)
            return self.field(contact, name, lang, now)

        return PLACEHOLDER.sub(sub, text)

    def text(self, msgid: str, lang: str, now: dt.datetime,
             params: Mapping[str, str] | None = None,
             open_now: tuple[str, ...] = ()) -> tuple[str, bool]:
        """Translate and fill one content text; ``(text, fell_back_to_french)``."""
        translated, fell_back = self.t(lang, msgid)
        out = self.fill(translated, lang, now, params or {}, open_now)
        if fell_back and lang != SOURCE_LANG:
            out = f"{out}\n{self.ui(lang, 'fallback_marker')}"
        return directional(out, lang), fell_back
