"""From a raw Bot API update (a parsed JSON object) to the service, in both modes.

The bot reads a few fields of two update types (``message`` and ``callback_query``, the
``allowed_updates`` it asks for); this module reads exactly those, checks their types, and
leaves the rest of the update as it came. An update whose fields the bot needs are missing
or of the wrong type is dropped with one line naming its type (never a value). Every id and
text the update carries is guarded while it is handled (:func:`bot.logs.guarding`).

:meth:`Updates.feed` returns what the webhook may answer with (a callback query's answer,
one request less per press in webhook mode) or None. It also keeps the metrics of each
update (latency and outcome by kind) and gives it its time budget for Bot API retries
(:data:`bot.telegram.retry.UPDATE_BUDGET`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from ..engine import Event, Location, Media, Press, Text, command, decode
from ..logs import guarding
from ..ops import Metrics
from .api import BotApi
from .retry import update_budget
from .service import BotService

log = logging.getLogger(__name__)

#: The update types the bot asks Telegram for (webhook and polling alike).
ALLOWED_UPDATES = ("message", "callback_query")
MEDIA_FIELDS = ("photo", "video", "voice", "document", "video_note", "audio", "sticker",
                "animation")
#: Update types of the Bot API (9.x) this bot receives but does not answer: "ignored". A type
#: not listed is from a newer Bot API: "unknown", logged by its name only.
KNOWN_KINDS = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
    "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost"})
#: Fields whose values say nothing about anyone (and would withhold too many log lines).
NEUTRAL = frozenset({"type", "language_code", "mime_type", "status", "parse_mode"})
_KIND = re.compile(r"^[a-z_]{1,40}$")


class MalformedError(ValueError):
    """A field the bot reads is missing or of the wrong type (the message says which field,
    never its value)."""


def where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of an exception (no values, no message)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def kind_of(data: dict[str, Any]) -> str:
    """The update's type (its first field after ``update_id``), safe to log."""
    for key in data:
        if key != "update_id":
            return key if isinstance(key, str) and _KIND.match(key) else "?"
    return "none"


def personal_values(data: object, key: str = "") -> Iterator[object]:
    """Every id and text in a raw update (recursively): what a log must never show."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from personal_values(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from personal_values(v, key)
    elif isinstance(data, str):
        if key not in NEUTRAL:
            yield data
    elif isinstance(data, int) and not isinstance(data, bool) and (key.endswith("id")
                                                                   or key == "phone_number"):
        yield data


# -- reading fields --------------------------------------------------------------------------


def _obj(data: dict[str, Any], key: str, required: bool = True) -> dict[str, Any] | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise MalformedError(key)
    return value


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedError(key)
    return value


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedError(key)
    return value


def _chat(message: dict[str, Any]) -> tuple[int, str]:
    chat = _obj(message, "chat")
    assert chat is not None
    kind = _str(chat, "type")
    if kind is None:
        raise MalformedError("chat.type")
    return _int(chat, "id"), kind


def _hint(data: dict[str, Any]) -> str | None:
    """The user's Telegram language (a hint for the bot's language)."""
    user = _obj(data, "from", required=False)
    return _str(user, "language_code") if user is not None else None


def message_event(message: dict[str, Any]) -> Event | None:
    """The engine event for a private message, or None for what the bot does not handle."""
    hint = _hint(message)
    text = _str(message, "text")
    if text is not None:
        return command(text, hint) if text.startswith("/") else Text(text, hint)
    if message.get("contact") is not None:  # a phone number and a name: deleted, never kept
        return Media("contact")
    group = _str(message, "media_group_id")
    location = _obj(message, "location", required=False)
    if location is not None:
        lat, lon = location.get("latitude"), location.get("longitude")
        if not (isinstance(lat, int | float) and isinstance(lon, int | float)):
            raise MalformedError("location")
        return Location(float(lat), float(lon))
    for kind in MEDIA_FIELDS:
        if message.get(kind):
            return Media(kind, group)
    if _str(message, "caption") is not None:  # other media with a caption
        return Media("document", group)
    return None


# -- the router ------------------------------------------------------------------------------


class Updates:
    """Feeds raw updates to the service.

    ``answer_in_response`` (webhook mode): a button press's callback query is answered in
    the webhook's HTTP response instead of by a request of its own, one outgoing request
    less on every press; the spinner stops when the update is done. In polling mode it is
    answered first, while the update runs."""

    def __init__(self, service: BotService, answer_in_response: bool = False,
                 metrics: Metrics | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.service = service
        self.answer_in_response = answer_in_response
        self.metrics = metrics
        self.clock = clock

    async def feed(self, bot: BotApi, data: dict[str, Any]) -> dict[str, Any] | None:
        """Handle one update; the method to answer the webhook with, or None. Never raises:
        errors are logged by type (and where, for a bug), never with what the update holds,
        and the user gets an answer when the service could give one."""
        kind = kind_of(data)
        if kind not in KNOWN_KINDS:
            log.warning("an update of a type this bot does not know was ignored: %s", kind)
            self._count(kind="unknown", outcome="unknown")
            return None
        with guarding(lambda: personal_values(data)):  # read only if a line is logged
            start = self.clock()
            outcome = ["ok"]
            try:
                with update_budget():
                    answer = None
                    if kind == "message":
                        await self._message(bot, data, outcome)
                    elif kind == "callback_query":
                        answer = await self._callback(bot, data, outcome)
                    else:
                        outcome[0] = "ignored"
            except MalformedError as exc:
                log.warning("an update of type %s that does not validate was dropped (field "
                            "%s)", kind, exc)
                outcome[0], answer = "invalid", None
            except Exception as exc:  # the service catches its own: this is a bug
                log.error("an update of type %s failed (%s at %s)", kind, type(exc).__name__,
                          where(exc))
                outcome[0], answer = "error", None
            finally:
                self._count(kind, outcome[0], self.clock() - start)
        return answer

    def _count(self, kind: str, outcome: str, took: float | None = None) -> None:
        if self.metrics is None:
            return
        m = self.metrics
        if took is not None:
            m.child(m.latency, kind).observe(took)
        m.child(m.updates, kind, outcome).inc()
        if log.isEnabledFor(logging.DEBUG) and took is not None:  # LOG_FORMAT=json
            log.debug("update", extra={"kind": kind, "outcome": outcome,
                                       "duration_ms": round(took * 1000, 1)})

    async def _message(self, bot: BotApi, data: dict[str, Any], outcome: list[str]) -> None:
        update_id = _int(data, "update_id")
        message = _obj(data, "message")
        assert message is not None
        chat_id, chat_type = _chat(message)
        message_id = _int(message, "message_id")
        if chat_type != "private":
            outcome[0] = "ignored"  # the bot is for one-to-one conversations
            return
        event = message_event(message)
        if event is None:  # polls, dice, service messages...: no answer, no error,
            await self.service.remember(chat_id, [message_id])  # but /forget deletes them
            return
        async with self.service.track():
            await self._handle(bot, chat_id, event, outcome, incoming_id=message_id,
                               update_id=update_id)

    async def _callback(self, bot: BotApi, data: dict[str, Any], outcome: list[str]
                        ) -> dict[str, Any] | None:
        update_id = _int(data, "update_id")
        query = _obj(data, "callback_query")
        assert query is not None
        query_id = _str(query, "id")
        if query_id is None:
            raise MalformedError("callback_query.id")
        message = _obj(query, "message", required=False)
        pressed: tuple[int, str] | None = None
        chat_id: int | None = None
        payload = _str(query, "data") or ""
        if message is not None:
            chat_id, chat_type = _chat(message)
            pressed = (_int(message, "message_id"), payload)
            if chat_type != "private":
                chat_id = None  # the bot is for one-to-one conversations
        event = Press(decode(payload), _hint(query))
        async with self.service.track():
            if self.answer_in_response:
                await self._press(bot, chat_id, event, update_id, pressed, outcome)
                return {"method": "answerCallbackQuery", "callback_query_id": query_id}
            # the button stops spinning at once; the chat's update runs meanwhile
            answering = asyncio.ensure_future(bot.answer_callback(query_id))
            await asyncio.sleep(0)  # the answer goes out first
            try:
                await self._press(bot, chat_id, event, update_id, pressed, outcome)
            finally:
                try:
                    await answering
                except Exception as exc:
                    log.info("callback answer failed: %s", type(exc).__name__)
        return None

    async def _press(self, bot: BotApi, chat_id: int | None, event: Press, update_id: int,
                     pressed: tuple[int, str] | None, outcome: list[str]) -> None:
        if chat_id is None:
            outcome[0] = "ignored"
            return
        await self._handle(bot, chat_id, event, outcome, update_id=update_id, pressed=pressed)

    async def _handle(self, bot: BotApi, chat_id: int, event: Event, outcome: list[str], *,
                      update_id: int, incoming_id: int | None = None,
                      pressed: tuple[int, str] | None = None) -> None:
        """The service handles the event; an unexpected error is logged by its type and the
        user gets the emergency numbers (never silence)."""
        try:
            await self.service.handle(bot, chat_id, event, incoming_id, update_id, pressed)
        except Exception as exc:
            log.error("update failed: %s", type(exc).__name__)
            outcome[0] = "error"
            await self.service.error_reply(bot, chat_id)
