"""Catalogs, language codes and visible fallback to French.

French is the source language: a msgid *is* the French text. Other languages come from
compiled gettext catalogs under ``locales/<locale>/LC_MESSAGES/messages.mo``. A missing
translation returns ``None`` from :meth:`Translator.lookup`; the renderer then shows French
with a visible marker and the miss is counted (never raised).
"""

from __future__ import annotations

import gettext
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CatalogError
from . import cldr
from .problems import Pos, Problem
from .text import vocabulary

log = logging.getLogger(__name__)

SOURCE_LANG = "fr"
#: The short codes accepted everywhere, in menu order, and their catalog folder names.
LANGS: tuple[str, ...] = (
    "fr", "nl", "de", "en", "ar", "vi", "zh", "sq", "ro", "bg", "uk", "ps", "fa", "ti", "so",
    "pcm",
)
CATALOG_DIRS: dict[str, str] = {"zh": "zh_Hans"}
RTL_LANGS = frozenset({"ar", "fa", "ps"})
DEFAULT_LOCALES = Path(__file__).resolve().parents[2] / "locales"
# the header field itself (a line of the header entry), not the words in a comment
_REVIEWED = re.compile(r'^"X-Native-Review: *yes\\n"$', re.MULTILINE | re.IGNORECASE)


def normalize_lang(code: str | None) -> str | None:
    """Map ``pt-BR``, ``zh-hans``, ``zh_CN``, ``fa-IR`` ... to one of :data:`LANGS`."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base == "prs":  # Dari speakers read the Farsi catalog
        base = "fa"
    return base if base in LANGS else None


#: Names readers recognise better than CLDR's: Persian is read by Afghans too (Dari), and
#: CLDR's "Naijíriá Píjin" is an orthography few Nigerian teenagers use.
_NAMES = {"fa": "فارسی / دری", "pcm": "Naija (Pidgin)"}


def language_name(code: str) -> str:
    """The language's own name ("Nederlands", "العربية"), from CLDR (:mod:`.cldr`)."""
    if code in _NAMES:
        return _NAMES[code]
    name = cldr.words(code).name
    return name[:1].upper() + name[1:]


def _unreadable(lang: str, path: Path, exc: Exception) -> Problem:
    reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else type(exc).__name__
    return Problem(Pos(str(path)), "catalog-unreadable",
                   f"the {lang} catalog cannot be read ({reason or type(exc).__name__})",
                   "Compile it again: python -m bot i18n compile (or restore the file)")


@dataclass
class Translator:
    """Looks texts up in compiled catalogs; counts what is missing."""

    catalogs: dict[str, gettext.NullTranslations] = field(default_factory=dict)
    reviewed: dict[str, bool] = field(default_factory=dict)
    misses: Counter[str] = field(default_factory=Counter)

    @classmethod
    def load(cls, locales: Path | None = None) -> Translator:
        locales = locales or DEFAULT_LOCALES
        catalogs: dict[str, gettext.NullTranslations] = {}
        reviewed: dict[str, bool] = {}
        broken: list[Problem] = []
        for lang in LANGS:
            if lang == SOURCE_LANG:
                continue
            folder = locales / CATALOG_DIRS.get(lang, lang) / "LC_MESSAGES"
            mo = folder / "messages.mo"
            if mo.exists():
                try:
                    with mo.open("rb") as fh:
                        catalogs[lang] = gettext.GNUTranslations(fh)
                    # Babel does not keep custom headers in .mo files: read the .po header
                    po = folder / "messages.po"
                    head = po.read_text(encoding="utf-8")[:4000] if po.exists() else ""
                except Exception as exc:  # corrupt, truncated, unreadable: say which, why
                    broken.append(_unreadable(lang, mo, exc))
                    continue
                reviewed[lang] = _REVIEWED.search(head) is not None
            elif (folder / "messages.po").exists():
                log.warning("catalog for %s is not compiled: run 'python -m bot i18n compile'",
                            lang)
        if broken:
            raise CatalogError(broken)
        cldr.load(locales, LANGS)
        return cls(catalogs, reviewed)

    def vocabulary(self) -> frozenset[str]:
        """Every word of the content's texts in every language (normalized as typed text
        is): words the matchers may remember, since they are the bot's own."""

        texts: set[str] = set()
        for catalog in self.catalogs.values():
            entries: dict[str, str] = getattr(catalog, "_catalog", {})
            texts.update(t for pair in entries.items() for t in pair
                         if isinstance(t, str) and t)
        return vocabulary(texts)

    def texts(self, lang: str) -> list[str]:
        """Every translated text of one language's catalog."""
        entries: dict[object, object] = getattr(self.catalogs.get(lang), "_catalog", {})
        return [t for k, t in entries.items() if k and isinstance(t, str) and t]

    def source_texts(self) -> list[str]:
        """The French texts (the msgids), as the catalogs know them."""
        ids: set[str] = set()
        for catalog in self.catalogs.values():
            ids.update(k for k in getattr(catalog, "_catalog", {}) if isinstance(k, str) and k)
        return sorted(ids)

    def available(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGS if lang == SOURCE_LANG or lang in self.catalogs)

    def lookup(self, lang: str, msgid: str) -> str | None:
        """The translation, or None when the language has no translation for ``msgid``."""
        if lang == SOURCE_LANG or not msgid:
            return msgid
        catalog = self.catalogs.get(lang)
        if catalog is None:
            return None
        entries: dict[str, str] = getattr(catalog, "_catalog", {})
        text = entries.get(msgid)
        return text or None  # an identical translation ("Child Focus") is a translation

    def text(self, lang: str, msgid: str) -> tuple[str, bool]:
        """``(text, fell_back)``: the translation, or French when it is missing (counted)."""
        found = self.lookup(lang, msgid)
        if found is not None:
            return found, False
        key = f"{lang}:{msgid[:40]}"
        if key not in self.misses:
            log.warning("missing %s translation for a text starting %r", lang, msgid[:40])
        self.misses[key] += 1
        return msgid, True
