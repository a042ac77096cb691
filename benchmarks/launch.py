"""``python -m bot run`` with one measured change, for benchmarks/run.py's lever runs.

    python benchmarks/launch.py --uvloop

``--uvloop``: uvloop's event loop policy installed before ``asyncio.run``.
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
    from bot.cli import main as cli

    code: int = cli(["run"])
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
