"""``python -m bot``: run | web | chat | lint | i18n | graph | stats | schema.

Each command imports what it needs when it runs (the ``noqa: PLC0415`` lines): ``lint`` must
not pay for aiohttp and rasa-sdk (tens of MiB and part of a second), and the bot must
not pay for the maintainers' tools.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import logs
from ..config import Settings
from ..errors import ConfigError


def cmd_lint(args: argparse.Namespace, settings: Settings) -> int:
    from .lint import run_lint  # noqa: PLC0415

    return run_lint(args, settings)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from ..actions_runner import DirectActionRunner  # noqa: PLC0415
    from ..console import chat  # noqa: PLC0415
    from ..dialog import Dialog, load_engine  # noqa: PLC0415
    from ..engine import ContentError, normalize_lang  # noqa: PLC0415

    lang = normalize_lang(args.lang)
    if lang is None:
        print(f"unknown language {args.lang!r}", file=sys.stderr)
        return 2
    try:
        engine = load_engine(settings.flows_dir, settings.locales_dir)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    if lang not in engine.languages():
        print(f"no compiled catalog for {lang!r}: run 'python -m bot i18n compile'",
              file=sys.stderr)
        return 2
    now = None
    if getattr(args, "now", None):

        try:
            now = dt.datetime.fromisoformat(args.now)
        except ValueError:
            print(f"--now {args.now!r} is not an ISO date-time", file=sys.stderr)
            return 2
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
    record = open(args.record, "w", encoding="utf-8") if args.record else None  # noqa: SIM115
    try:
        return chat(Dialog(engine, DirectActionRunner()), sys.stdin, sys.stdout, lang=lang,
                    jsonl=args.jsonl, record=record, now=now)
    finally:
        if record is not None:
            record.close()


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from ..telegram.app import run_bot  # noqa: PLC0415

    return run_bot(settings)


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    from ..actions_runner import DirectActionRunner  # noqa: PLC0415
    from ..web import run_web  # noqa: PLC0415

    return run_web(settings, DirectActionRunner())


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """The README's first command: the Telegram bot with a token, the simulator without."""
    if settings.bot_token:
        return cmd_run(args, settings)
    from ..telegram.app import NO_TOKEN  # noqa: PLC0415

    print(NO_TOKEN, file=sys.stderr)
    print("Starting the terminal simulator now.\n", file=sys.stderr)
    args.lang, args.jsonl, args.record, args.now = "fr", False, None, None
    return cmd_chat(args, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the Telegram bot (polling, or webhook if WEBHOOK_URL)")
    run.set_defaults(func=cmd_run)
    web = sub.add_parser("web", help="serve the chat page on WEB_HOST:WEB_PORT (no Telegram)")
    web.set_defaults(func=cmd_web)
    start = sub.add_parser("start", help="run the bot if BOT_TOKEN is set, else the simulator")
    start.set_defaults(func=cmd_start)
    chat = sub.add_parser("chat", help="talk to the bot in the terminal (console simulator)")
    chat.add_argument("--lang", default="fr", help="language code (fr nl de en ar ...)")
    chat.add_argument("--jsonl", action="store_true", help="one JSON object per bot message")
    chat.add_argument("--record", metavar="FILE", help="write a transcript the tests replay")
    chat.add_argument("--now", metavar="ISO", help="pretend it is this time (for transcripts)")
    chat.set_defaults(func=cmd_chat)
    lint = sub.add_parser("lint", help="check the flows, contacts and translations")
    lint.add_argument("paths", nargs="*", type=Path, help="content folder or files")
    lint.add_argument("--format", choices=("text", "github"), default="text")
    lint.add_argument("--report", choices=("contacts", "crisis", "readability", "facts",
                                           "understanding", "languages"),
                      help="print a report instead of only the problems")
    lint.add_argument("--lang", action="append", help="only these languages (repeatable)")
    lint.set_defaults(func=cmd_lint)
    from .graph import add_parser as add_graph  # noqa: PLC0415
    from .i18n import add_parser as add_i18n  # noqa: PLC0415
    from .links import add_parser as add_links  # noqa: PLC0415
    from .schema import add_parser as add_schema  # noqa: PLC0415
    from .stats import add_parser as add_stats  # noqa: PLC0415

    add_i18n(sub)
    add_stats(sub)
    add_graph(sub)
    add_links(sub)
    add_schema(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.load()
    except ConfigError as exc:
        for line in str(exc).splitlines():  # one line per problem
            print(f"configuration error: {line}", file=sys.stderr)
        return 2
    logs.setup(settings.log_level, settings.log_format)
    result: int = args.func(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
