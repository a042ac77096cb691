"""The bot's errors: one root, so a caller can catch exactly what it means.

::

    BotError
    ├── ContentError      flows/, contacts or catalogs do not load (``problems`` lists why)
    │   └── CatalogError  a compiled catalog (.mo) cannot be read
    ├── ConfigError       a setting is missing or malformed (the message names it)
    ├── StoreError        the state store failed
    │   ├── StoreUnavailableError   cannot connect, or the connection broke
    │   ├── StoreTimeoutError       no answer in time
    │   └── StoreFullError          reachable, but refuses writes (full, read-only)
    └── ActionError       a custom action failed or returned something unreadable

Nothing here imports aiogram or redis: the engine raises :class:`ContentError` too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine.problems import Problem


class BotError(Exception):
    """Root of every error the bot raises on purpose."""


class ContentError(BotError):
    """The content could not be loaded; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the content:\n{lines}{more}")


class CatalogError(ContentError):
    """A compiled translation catalog cannot be read (corrupt or truncated ``.mo``)."""


class ConfigError(BotError, ValueError):
    """A setting is missing or malformed; the message names the setting and the fix."""


class StoreError(BotError):
    """The state store failed; the bot answers without state meanwhile."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached (refused, reset, closed, bad address)."""


class StoreTimeoutError(StoreError):
    """The store did not answer in time."""


class StoreFullError(StoreError):
    """The store answers but refuses writes (Redis ``maxmemory`` reached, a read-only
    replica, a failed disk save): reads still work, nothing can be remembered."""


class ActionError(BotError):
    """A custom action failed or returned something the engine cannot read."""


def exit_code(run: Callable[[], int | None]) -> int:
    """Run a server until it stops and turn the errors an operator can fix into one line on
    stderr and an exit code (2: settings or catalogs, 1: content or store), never a
    traceback. ``python -m bot run`` and ``python -m bot web`` start through this."""
    try:
        return run() or 0
    except CatalogError as exc:  # which catalog, why, how to fix it
        print(f"cannot start: {exc.problems[0]}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"cannot start: {exc}. Check REDIS_URL, or unset it to keep state in memory.",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
