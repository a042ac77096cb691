"""Logging set-up: plain text or one JSON object per line, and a filter that keeps what
users wrote out of the logs whatever a library decides to log.

The adapters register, for the time an update is handled, the strings that must never be
logged (:func:`guarding`: the text, the chat and user ids, names, a shared contact's
number). :class:`Redactor` then replaces any record that contains one of them by a fixed
line. The bot's own code logs exception types only; this filter is the net under
third-party libraries (a client library's error may quote a request).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

#: What must not be logged, per update being handled: strings, or a function giving them
#: (called only when a line is about to be logged: most updates log nothing).
_SECRETS: contextvars.ContextVar[tuple[str | Callable[[], Iterable[object]], ...]] = \
    contextvars.ContextVar("log_secrets", default=())
REDACTED = "a log line quoting a user's message or id was withheld"
MIN_SECRET = 3  # shorter strings (a one-digit reply) would redact half the logs
#: Record attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _strings(values: Iterable[object]) -> Iterator[str]:
    for value in values:
        if value is not None:
            text = str(value)
            if len(text) >= MIN_SECRET:
                yield text


@contextmanager
def guarding(values: Iterable[object] | Callable[[], Iterable[object]]) -> Iterator[None]:
    """While handling one update: never log these values (its text, ids, names). A function
    is called only if a line is logged meanwhile (the update is read then, not before)."""
    added: tuple[str | Callable[[], Iterable[object]], ...] = (
        (values,) if callable(values) else tuple(_strings(values)))
    token = _SECRETS.set((*_SECRETS.get(), *added))
    try:
        yield
    finally:
        _SECRETS.reset(token)


class Redactor(logging.Filter):
    """Withholds a record that quotes a guarded value (its message, arguments or traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        guarded = _SECRETS.get()
        if not guarded:
            return True
        try:
            text = record.getMessage()
        except Exception:  # a bad format string must not break logging
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        for item in guarded:
            found = (item in text if isinstance(item, str)
                     else any(s in text for s in _strings(item())))
            if found:
                record.msg, record.args = REDACTED, ()
                record.exc_info = record.exc_text = None
                break
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, and any ``extra=`` fields (such as
    ``kind``, ``node``, ``duration_ms``, ``outcome``)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            data["error"] = record.exc_info[0].__name__  # the type only, never the message
        return json.dumps(data, ensure_ascii=False, default=str)


#: Libraries whose per-update INFO lines cost CPU and say nothing an operator needs
#: (aiohttp logs every webhook POST).
QUIET = ("aiohttp.access",)


def setup(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(Redactor())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
