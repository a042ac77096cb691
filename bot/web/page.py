"""The HTML page: one document, its labels in the visitor's language, no inline script or
style (the Content-Security-Policy forbids them), and the emergency numbers for browsers
without JavaScript."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template

from ..dialog import Dialog
from ..engine import (
    EMERGENCY,
    LANGS,
    MAX_INPUT,
    RTL_LANGS,
    SOURCE_LANG,
    State,
    normalize_lang,
    show,
)
from .service import PAGE_LABELS

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = ("app.js", "app.css")
TEMPLATE = Template((STATIC / "page.html").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    version: str  # a hash of the body: the page asks for ?v=<version>, cached for a year


def load_assets() -> dict[str, Asset]:
    import gzip  # noqa: PLC0415  (only at start-up)

    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    out = {}
    for name in ASSETS:
        body = (STATIC / name).read_bytes()
        out[name] = Asset(body, gzip.compress(body, 9, mtime=0), types[Path(name).suffix],
                          hashlib.sha256(body).hexdigest()[:12])
    return out


def page_lang(query: str | None, accept_language: str | None, available: tuple[str, ...]
              ) -> str | None:
    """The language asked for in ``?lang=``, else the browser's first known one; None if
    neither names a language with a catalog (French then, until the visitor chooses)."""
    candidates = [query] if query else []
    for part in (accept_language or "").split(",")[:8]:
        candidates.append(part.split(";")[0].strip())
    for code in candidates:
        lang = normalize_lang(code)
        if lang is not None and lang in available:
            return lang
    return None


def render_page(dialog: Dialog, assets: dict[str, Asset], lang: str | None, exit_url: str,
                now: dt.datetime) -> str:
    engine = dialog.engine
    shown = lang or SOURCE_LANG
    ui = engine.renderer.ui
    labels = {k: ui(shown, k) for k in PAGE_LABELS}
    emergency = show(engine, State(lang=shown), EMERGENCY, now).replies[0].text
    data = json.dumps({"ui": labels, "exit": exit_url, "lang": lang or "",
                       "langs": [code for code in LANGS if code in engine.languages()]},
                      ensure_ascii=False).replace("<", "\\u003c")
    values = {k: escape(v) for k, v in labels.items()}
    values.update(
        lang=shown, dir="rtl" if shown in RTL_LANGS else "ltr", conf=data, max=str(MAX_INPUT),
        js=assets["app.js"].version, css=assets["app.css"].version,
        web_noscript=escape(ui(shown, "web_noscript")), emergency=escape(emergency))
    return TEMPLATE.substitute(values)
