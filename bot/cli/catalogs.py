"""Gettext catalogs of the content: extract, update, compile, status and lint checks.

The POT template comes from the flow YAML (through :mod:`bot.engine.extract`). Each
``messages.po`` carries two header fields that Babel itself does not keep, so they are read
and written here as text:

- ``X-Native-Review: yes|no`` — whether a native speaker has reviewed the catalog;
- ``X-Translation-Status: complete|in-progress`` — missing or fuzzy entries are errors in a
  complete catalog and warnings in one marked in progress.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ..engine import cldr
from ..engine.extract import extract_texts
from ..engine.i18n import CATALOG_DIRS, LANGS, SOURCE_LANG
from ..engine.loader import content_files, display_path
from ..engine.problems import Pos, Report, Severity

DOMAIN = "messages"
_PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_.]*\}")
_HEADER = re.compile(r'^"(X-Native-Review|X-Translation-Status): *([^\\"]*)\\n"$', re.M)
CUSTOM_HEADERS = {"X-Native-Review": "no", "X-Translation-Status": "complete"}
HEADER_COMMENT = """\
# Texts of the orientation bot of the Aide à la jeunesse (Fédération Wallonie-Bruxelles).
# French is the source (msgid). Keep {placeholders}, service names (Child Focus, SAJ, 103,
# Écoute-Enfants...) and the simple, warm tone. A native speaker who has reviewed this file
# sets "X-Native-Review: yes" below.
#"""


def po_path(locales: Path, lang: str) -> Path:
    return locales / CATALOG_DIRS.get(lang, lang) / "LC_MESSAGES" / f"{DOMAIN}.po"


def template(root: Path) -> Catalog:
    """The catalog of every translatable text in the content tree, with file:line."""
    catalog = Catalog(project="fwb-orientation-bot", version="1", msgid_bugs_address="",
                      copyright_holder="Fédération Wallonie-Bruxelles", charset="utf-8",
                      header_comment=HEADER_COMMENT, fuzzy=False)
    for path in content_files(root):
        name = display_path(path)
        for line, _, text, comments in extract_texts(path.read_text(encoding="utf-8"), name):
            catalog.add(text, locations=[(name, line)], auto_comments=comments)
    return catalog


def read_headers(po_text: str) -> dict[str, str]:
    found = dict(CUSTOM_HEADERS)
    found.update({m.group(1): m.group(2).strip() for m in _HEADER.finditer(po_text)})
    return found


def _with_headers(po_text: str, headers: dict[str, str]) -> str:
    po_text = re.sub(r'^"(X-Native-Review|X-Translation-Status):[^\n]*\n', "", po_text, flags=re.M)
    lines = "".join(f'"{k}: {v}\\n"\n' for k, v in headers.items())
    marker = '"Generated-By:'
    index = po_text.find(marker)
    if index < 0:
        return po_text
    end = po_text.index("\n", index) + 1
    return po_text[:end] + lines + po_text[end:]


def write_catalog(path: Path, catalog: Catalog, headers: dict[str, str] | None = None) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=False)
    text = buf.getvalue().decode("utf-8")
    if headers is not None:
        text = _with_headers(text, headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def load_po(path: Path) -> tuple[Catalog, dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    return read_po(io.StringIO(text)), read_headers(text)


def update(template_cat: Catalog, locales: Path, langs: tuple[str, ...]) -> list[Path]:
    """Create or update each language's catalog from the template (keeps translations)."""
    written = []
    for lang in langs:
        if lang == SOURCE_LANG:
            continue
        path = po_path(locales, lang)
        if path.exists():
            catalog, headers = load_po(path)
            catalog.update(template_cat, no_fuzzy_matching=False)
        else:
            catalog = Catalog(locale=None, charset="utf-8", project="fwb-orientation-bot",
                              version="1", header_comment=HEADER_COMMENT, fuzzy=False)
            catalog.update(template_cat)
            headers = dict(CUSTOM_HEADERS)
        catalog.language_team = lang
        write_catalog(path, catalog, headers)
        _set_language(path, lang)
        written.append(path)
    return written


def _set_language(path: Path, lang: str) -> None:
    text = path.read_text(encoding="utf-8")
    if '"Language: ' not in text:
        text = text.replace('"MIME-Version:', f'"Language: {lang}\\n"\n"MIME-Version:', 1)
        path.write_text(text, encoding="utf-8")


def compile_all(locales: Path) -> list[Path]:
    """Compile every ``messages.po`` to ``messages.mo`` (fuzzy entries are left out), and
    write the CLDR words the bot shows (language names, days, times: ``cldr.json``)."""
    out = []
    for po in sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog, _ = load_po(po)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        out.append(mo)
    out.append(cldr.write(locales, LANGS))
    return out


def stats(catalog: Catalog, template_cat: Catalog) -> tuple[int, int, int, int]:
    """(total, translated, fuzzy, missing) against the template."""
    total = translated = fuzzy = 0
    for message in template_cat:
        if not message.id:
            continue
        total += 1
        entry = catalog.get(message.id)
        if entry is None or not entry.string:
            continue
        if entry.fuzzy:
            fuzzy += 1
        else:
            translated += 1
    return total, translated, fuzzy, total - translated - fuzzy


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def check_catalogs(root: Path, locales: Path, report: Report, *, langs: tuple[str, ...]
                   ) -> None:
    """Missing/fuzzy translations and placeholder mismatches, for each language."""
    tmpl = template(root)
    for lang in langs:
        if lang == SOURCE_LANG:
            continue
        path = po_path(locales, lang)
        name = display_path(path)
        if not path.exists():
            report.add(Pos(name), "missing-catalog", f"there is no catalog for '{lang}'",
                       "Run 'python -m bot i18n update' and translate it.")
            continue
        catalog, headers = load_po(path)
        in_progress = headers.get("X-Translation-Status") == "in-progress"
        severity: Severity = "warning" if in_progress else "error"
        for message in tmpl:
            if not message.id:
                continue
            entry = catalog.get(message.id)
            src = message.locations[0] if message.locations else (name, 0)
            where = f"{src[0]}:{src[1]}"
            pos = Pos(name, entry.lineno or 0, 1) if entry is not None and entry.lineno \
                else Pos(name)
            if entry is None or not entry.string:
                report.add(pos, "missing-translation",
                           f"no {lang} translation for the text at {where}",
                           "Translate it in this file (Poedit works well).", severity)
                continue
            if entry.fuzzy:
                report.add(pos, "fuzzy-translation",
                           f"the {lang} translation of the text at {where} is marked fuzzy "
                           "(the French changed)", "Check it, then remove the fuzzy flag.",
                           severity)
            text = entry.string if isinstance(entry.string, str) else entry.string[0]
            if placeholders(text) != placeholders(str(message.id)):
                report.add(pos, "placeholder-mismatch",
                           f"the {lang} translation of the text at {where} has placeholders "
                           f"{placeholders(text)} but the French has "
                           f"{placeholders(str(message.id))}",
                           "Copy the {placeholders} exactly as in the French text.")


def all_langs() -> tuple[str, ...]:
    return tuple(lang for lang in LANGS if lang != SOURCE_LANG)
