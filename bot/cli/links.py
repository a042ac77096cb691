"""``python -m bot links`` and ``python -m bot poster``: deep links, and printable posters
with a QR code for schools and youth services.

A poster shows the topic's title and one line from the content (``poster_line`` in
flows/common/ui.yaml), in the language asked for, the QR code of the link and the link
itself. SVG is the master (any browser or print shop renders it, right-to-left included);
the PNG is drawn with Pillow at 150 dpi.
"""

from __future__ import annotations

import argparse
import html
import io
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..engine import Bundle, Translator, load_or_raise, normalize_lang
from ..engine.loader import LINK_FAMILIES

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

A4 = (210, 297)  # millimetres
PNG_SIZE = (1240, 1754)  # A4 at 150 dpi
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def link_url(username: str | None, payload: str) -> str:
    return f"https://t.me/{username or '<bot>'}?start={payload}"


def list_links(bundle: Bundle, username: str | None) -> str:
    rows = [f"{name:<16} {target:<24} {link_url(username, name)}"
            for name, target in sorted(bundle.links.items())]
    rows.append("saj_<postcode>   (finds that postcode's SAJ)  "
                + link_url(username, "saj_5000"))
    rows.append("lang_<code>      (welcome in that language)   " + link_url(username, "lang_ar"))
    return "\n".join(rows)


def poster_texts(bundle: Bundle, translator: Translator, payload: str, lang: str
                 ) -> tuple[str, str]:
    """(headline, line) in ``lang``: the linked topic's title, and the content's poster line."""
    target = bundle.links.get(payload, "start:start")
    flow = bundle.flows[target.partition(":")[0]]
    title = flow.title if payload in bundle.links else bundle.flows["start"].title
    headline, _ = translator.text(lang, title)
    line, _ = translator.text(lang, bundle.ui.get("poster_line", ""))
    return headline, line


def poster_svg(headline: str, line: str, url: str, lang: str) -> str:
    import segno  # noqa: PLC0415  (posters only: the other commands need no QR library)

    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", xmldecl=False, svgns=False, nl=False, border=0, scale=1)
    size = qr.symbol_size(border=0)[0]
    qr_mm = 120
    path = buf.getvalue().decode()
    path = path[path.index("<path"):path.rindex("</svg>")]
    head_dir = ' direction="rtl"' if _rtl(headline) else ""
    line_dir = "rtl" if _rtl(line) else "ltr"
    w, h = A4
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" lang="{lang}">\n'
        f'<rect width="{w}" height="{h}" fill="#fff"/>\n'
        f'<text x="{w / 2}" y="40" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="12" font-weight="bold" text-anchor="middle"{head_dir}>'
        f"{html.escape(headline)}</text>\n"
        f'<foreignObject x="20" y="52" width="{w - 40}" height="40">'
        f'<p xmlns="http://www.w3.org/1999/xhtml" style="font: 7px DejaVu Sans, Arial, '
        f'sans-serif; text-align: center; margin: 0" dir="{line_dir}">'
        f"{html.escape(line)}</p></foreignObject>\n"
        f'<g transform="translate({(w - qr_mm) / 2} 100) scale({qr_mm / size})">{path}</g>\n'
        f'<text x="{w / 2}" y="240" font-family="DejaVu Sans Mono, monospace" font-size="6" '
        f'text-anchor="middle">{html.escape(url)}</text>\n</svg>\n'
    )


def _rtl(text: str) -> bool:
    """Whether a text reads right to left: the direction of its first strong character."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont  # noqa: PLC0415  (posters only)

    for path in FONTS[0 if bold else 1:]:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(lines[-1] + " " + word, font=font) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def poster_png(headline: str, line: str, url: str, lang: str) -> bytes:
    import segno  # noqa: PLC0415  (posters only: the other commands need neither library)
    from PIL import Image, ImageDraw  # noqa: PLC0415

    w = PNG_SIZE[0]
    image = Image.new("RGB", PNG_SIZE, "white")
    draw = ImageDraw.Draw(image)
    y = 180
    for text, font in ((headline, _font(64, bold=True)), (line, _font(40))):
        for row in _wrap(draw, text, font, w - 200):
            draw.text((w // 2, y), row, font=font, fill="black", anchor="ma",
                      direction="rtl" if _rtl(row) else None)
            y += int(font.size * 1.35) if hasattr(font, "size") else 50
        y += 30
    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=20, border=2)
    code = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    side = min(760, w - 200)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    image.paste(code, ((w - side) // 2, max(y + 40, 560)))
    draw.text((w // 2, max(y + 40, 560) + side + 40), url, font=_font(34), fill="black",
              anchor="ma")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def run_links(args: argparse.Namespace, settings: Settings) -> int:
    bundle = load_or_raise(settings.flows_dir)
    print(list_links(bundle, args.bot or settings.bot_username))
    return 0


def run_poster(args: argparse.Namespace, settings: Settings) -> int:
    bundle = load_or_raise(settings.flows_dir)
    lang = normalize_lang(args.lang)
    translator = Translator.load(settings.locales_dir)
    if lang is None or lang not in translator.available():
        print(f"unknown or uncompiled language {args.lang!r}", file=sys.stderr)
        return 2
    payload = args.payload
    known = payload in bundle.links or payload.startswith(LINK_FAMILIES)
    if not known:
        print(f"'{payload}' is not a deep link (python -m bot links lists them)",
              file=sys.stderr)
        return 2
    username = args.bot or settings.bot_username
    if not username:
        print("the bot's username is needed for the QR code: --bot NAME or BOT_USERNAME",
              file=sys.stderr)
        return 2
    url = link_url(username, payload)
    headline, line = poster_texts(bundle, translator, payload, lang)
    stem = Path(args.output or f"poster-{payload}-{lang}")
    stem.with_suffix(".svg").write_text(poster_svg(headline, line, url, lang), encoding="utf-8")
    stem.with_suffix(".png").write_bytes(poster_png(headline, line, url, lang))
    print(f"wrote {stem.with_suffix('.svg')} and {stem.with_suffix('.png')} ({url})")
    return 0


def add_parser(sub: Any) -> None:
    links = sub.add_parser("links", help="list the deep links (t.me/<bot>?start=<name>)")
    links.add_argument("--bot", help="the bot's username (default: BOT_USERNAME)")
    links.set_defaults(func=run_links)
    poster = sub.add_parser("poster", help="a printable poster (SVG and PNG) with a QR code")
    poster.add_argument("payload", help="a deep-link name (python -m bot links)")
    poster.add_argument("--lang", default="fr")
    poster.add_argument("--bot", help="the bot's username (default: BOT_USERNAME)")
    poster.add_argument("-o", "--output", help="file name without extension")
    poster.set_defaults(func=run_poster)
