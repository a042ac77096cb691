"""``python -m bot graph``: the flows as a diagram (Mermaid text, or SVG/PNG via Graphviz)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from typing import Any

from ..config import Settings
from ..engine.i18n import Translator, normalize_lang
from ..engine.loader import load_or_raise
from ..engine.model import Bundle, Flow

LABEL_CHARS = 40


def _id(key: str) -> str:
    return key.replace(":", "__")


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = first.replace('"', "'").replace("[", "(").replace("]", ")")
    return first if len(first) <= LABEL_CHARS else first[: LABEL_CHARS - 1] + "…"


def _selected(bundle: Bundle, flow_id: str | None) -> list[Flow]:
    if flow_id is None:
        return sorted(bundle.flows.values(), key=lambda f: f.id)
    return [bundle.flows[flow_id]]


def mermaid(bundle: Bundle, flow_id: str | None, tr: Translator, lang: str) -> str:
    """Mermaid ``flowchart``: one subgraph per flow, every button a labelled arrow."""
    def t(text: str) -> str:
        return tr.text(lang, text)[0]

    lines = ["flowchart TD"]
    flows = _selected(bundle, flow_id)
    shown = {n.key for f in flows for n in f.nodes.values()}
    outside: set[str] = set()
    for flow in flows:
        lines.append(f'  subgraph {flow.id}["{_short(t(flow.title))} ({flow.id})"]')
        for node in flow.nodes.values():
            extra = f" ⚙ {node.action}" if node.action else ""
            lines.append(f'    {_id(node.key)}["{node.id}: {_short(t(node.say))}{extra}"]')
        lines.append("  end")
    for flow in flows:
        for node in flow.nodes.values():
            for button in node.buttons:
                label = _short(t(button.text))
                if button.goto:
                    if button.goto not in shown:
                        outside.add(button.goto)
                    lines.append(f'  {_id(node.key)} -->|"{label}"| {_id(button.goto)}')
                else:
                    link = button.url or f"contact {button.contact}"
                    lines.append(f'  {_id(node.key)} -.->|"{label}"| '
                                 f'{_id(node.key)}_link(["↗ {_short(link)}"])')
    for key in sorted(outside):
        lines.append(f'  {_id(key)}(["→ {key}"])')
    return "\n".join(lines) + "\n"


def dot(bundle: Bundle, flow_id: str | None, tr: Translator, lang: str) -> str:
    """Graphviz DOT of the same graph (for SVG/PNG)."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph flows {", "  rankdir=TB; node [shape=box, fontname=Helvetica];"]
    for flow in _selected(bundle, flow_id):
        lines.append(f"  subgraph cluster_{flow.id} {{ label={q(flow.id)};")
        for node in flow.nodes.values():
            label = node.id + "\n" + _short(tr.text(lang, node.say)[0])
            lines.append(f"    {q(node.key)} [label={q(label)}];")
        lines.append("  }")
        for node in flow.nodes.values():
            for button in node.buttons:
                if button.goto:
                    lines.append(f"  {q(node.key)} -> {q(button.goto)} "
                                 f"[label={q(_short(tr.text(lang, button.text)[0]))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, settings: Settings) -> int:
    bundle = load_or_raise(settings.flows_dir)
    if args.flow and args.flow not in bundle.flows:
        print(f"no flow '{args.flow}'; flows: {', '.join(sorted(bundle.flows))}",
              file=sys.stderr)
        return 2
    lang = normalize_lang(args.lang) or "fr"
    tr = Translator.load(settings.locales_dir)
    if args.format == "mermaid":
        sys.stdout.write(mermaid(bundle, args.flow, tr, lang))
        return 0
    binary = shutil.which("dot")
    if binary is None:
        print("SVG and PNG need Graphviz ('dot'): install it (apt-get install graphviz) or "
              "use --format mermaid, which GitHub and GitLab draw by themselves.",
              file=sys.stderr)
        return 2
    result = subprocess.run([binary, f"-T{args.format}"], input=dot(bundle, args.flow, tr,
                            lang).encode(), capture_output=True, check=False)
    if result.returncode != 0:
        print(result.stderr.decode(errors="replace"), file=sys.stderr)
        return 1
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    out.write(result.stdout)
    if args.output:
        out.close()
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("graph", help="diagram of the flows")
    parser.add_argument("flow", nargs="?", help="one flow id (default: all)")
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--format", choices=("mermaid", "svg", "png"), default="mermaid")
    parser.add_argument("-o", "--output", help="file for svg/png (default: stdout)")
    parser.set_defaults(func=run)
