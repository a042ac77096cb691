"""``python -m bot i18n extract|update|compile|status``."""

from __future__ import annotations

import argparse
from typing import Any

from babel.messages.catalog import Catalog

from ..config import Settings
from ..engine.i18n import LANGS, language_name
from . import catalogs

POT = "messages.pot"


def _extract(settings: Settings) -> Catalog:
    tmpl = catalogs.template(settings.flows_dir)
    settings.locales_dir.mkdir(parents=True, exist_ok=True)
    catalogs.write_catalog(settings.locales_dir / POT, tmpl)
    return tmpl


def run(args: argparse.Namespace, settings: Settings) -> int:
    langs = tuple(args.lang) if args.lang else catalogs.all_langs()
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown:
        print(f"unknown language code(s): {', '.join(unknown)}; known: {' '.join(LANGS)}")
        return 2
    if args.action == "extract":
        tmpl = _extract(settings)
        print(f"{len(tmpl)} texts written to {settings.locales_dir / POT}")
    elif args.action == "update":
        tmpl = _extract(settings)
        for path in catalogs.update(tmpl, settings.locales_dir, langs):
            print(f"updated {path}")
    elif args.action == "compile":
        for path in catalogs.compile_all(settings.locales_dir):
            print(f"compiled {path}")
    else:
        tmpl = catalogs.template(settings.flows_dir)
        print(f"{'language':<26} {'translated':>10} {'fuzzy':>6} {'missing':>8}  review")
        for lang in langs:
            path = catalogs.po_path(settings.locales_dir, lang)
            label = f"{lang} {language_name(lang)}"
            if not path.exists():
                print(f"{label:<26} {'no catalog':>10}")
                continue
            catalog, headers = catalogs.load_po(path)
            total, done, fuzzy, missing = catalogs.stats(catalog, tmpl)
            pct = 100.0 * done / total if total else 100.0
            review = "native speaker reviewed" if headers["X-Native-Review"] == "yes" \
                else "not yet reviewed by a native speaker"
            status = headers["X-Translation-Status"]
            print(f"{label:<26} {pct:>9.1f}% {fuzzy:>6} {missing:>8}  {review} ({status})")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("i18n", help="translation catalogs")
    parser.add_argument("action", choices=("extract", "update", "compile", "status"))
    parser.add_argument("--lang", action="append", help="only these languages (repeatable)")
    parser.set_defaults(func=run)
