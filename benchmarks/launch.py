"""``python -m bot run`` with one measured change, for benchmarks/run.py's lever runs.

    python benchmarks/launch.py [--uvloop] [--skip-callback-answer]

``--uvloop``: uvloop's event loop policy installed before ``asyncio.run``.
``--skip-callback-answer``: ``CallbackQuery.answer`` makes no request: the upper bound of what
answering the callback query in the webhook response would save (that answer still costs a
few bytes in the response; this saves the whole outgoing request).
Nothing else differs from ``python -m bot run``: same settings from the environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    if "--uvloop" in argv:
        import uvloop

        uvloop.install()
    if "--skip-callback-answer" in argv:
        from aiogram.types import CallbackQuery

        async def answered(self: CallbackQuery, *args: object, **kwargs: object) -> bool:
            return True

        CallbackQuery.answer = answered  # type: ignore[method-assign,assignment]
    from bot.cli import main as cli

    code: int = cli(["run"])
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
