"""Logs: JSON lines on request, and nothing a user wrote or their ids, whatever logs it."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import REDACTED, JsonFormatter, Redactor, guarding, setup


@pytest.fixture
def stream() -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(Redactor())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.logs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return out


def test_a_library_quoting_an_update_is_withheld(stream: io.StringIO) -> None:
    log = logging.getLogger("test.logs")
    with guarding([123456789, "il me menace de publier mes photos", None, "Lina"]):
        log.warning("Update %s not handled: %r", 1, {"text": "il me menace de publier mes photos"})
        log.info("user 123456789 said hello")
        try:
            raise ValueError("validation failed for input 'Lina'")
        except ValueError:
            log.exception("pydantic error")
        log.info("content reloaded (version %s)", "ab12")
    log.info("after the update: %s", "Lina is fine to log here")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [row["event"] for row in lines[:3]] == [REDACTED] * 3
    assert "error" not in lines[2]  # the traceback went with the message
    assert lines[3]["event"] == "content reloaded (version ab12)"
    assert lines[4]["event"].startswith("after the update")
    assert all("menace" not in json.dumps(row) and "123456789" not in json.dumps(row)
               for row in lines)


def test_json_lines_carry_extra_fields_and_error_types_only(stream: io.StringIO) -> None:
    log = logging.getLogger("test.logs")
    log.info("update handled", extra={"kind": "press", "node": "menu:young", "duration_ms": 3})
    try:
        raise KeyError("secret detail")
    except KeyError:
        log.error("update failed", exc_info=True)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "update handled" and first["kind"] == "press"
    assert first["node"] == "menu:young" and first["level"] == "info" and "ts" in first
    assert second["error"] == "KeyError" and "secret detail" not in json.dumps(second)


def test_setup_quiets_per_update_library_logs() -> None:
    setup("INFO", "json")
    try:
        assert logging.getLogger("aiohttp.access").getEffectiveLevel() == logging.WARNING
        assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)
    finally:
        logging.getLogger().handlers.clear()
