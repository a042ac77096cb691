"""One request of the web channel, start to finish, without HTTP: the JSON body read as an
event, the limits, the state read, the dialog stepped, the state written, the replies as
structured data.

The page and any other client (an app, a test) speak the same small JSON:

request  ``{"session": "<22-64 of A-Za-z0-9_->", "lang": "ar"?, "event": {...}}`` where the
         event is ``{"type": "start"}``, ``{"type": "text", "text": "..."}`` (a leading ``/``
         makes it a command, as on Telegram), ``{"type": "press", "data": "<encoded choice>"}``
         or ``{"type": "location", "lat": 50.4, "lon": 4.8}``;
answer   ``{"replies": [{"node", "text", "buttons": [[{"label", "data"} | {"label", "url"}]],
         "venue"?}], "lang", "dir", "ask": "place" | null, "forget": bool, "ui": {...}}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..dialog import Dialog, Notice
from ..engine import (
    MAX_INPUT,
    RTL_LANGS,
    Count,
    Event,
    Forget,
    Location,
    Press,
    Reply,
    Start,
    State,
    Text,
    Turn,
    command,
    decode,
    encode,
)
from ..limits import Flood, Throttle
from ..store import StateStore, StoreError, session_key
from ..store.stats import StatsSink, record

log = logging.getLogger(__name__)

SESSION = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_HINT = 16
#: The labels of flows/common/ui.yaml the page shows (sent with each answer, translated).
PAGE_LABELS = ("web_title", "web_exit", "web_message", "web_send", "web_place", "web_search",
               "web_locate", "web_locate_failed", "web_offline", "web_you", "web_bot",
               "cmd_language")


class BadRequestError(ValueError):
    """A request the server cannot read: answered 400 with this short message."""


def parse_session(body: Any) -> str:
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    session = body.get("session")
    if not isinstance(session, str) or not SESSION.match(session):
        raise BadRequestError("session must be 22-64 characters of A-Z a-z 0-9 _ -")
    return session


def _number(value: Any, low: float, high: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequestError(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise BadRequestError(f"{name} is out of range")
    return number


def parse_event(body: Any) -> tuple[str, Event]:
    """The session id and the engine event of a request body; :class:`BadRequestError` if the
    body is not one."""
    session = parse_session(body)
    hint = body.get("lang")
    if hint is not None and (not isinstance(hint, str) or len(hint) > MAX_HINT):
        raise BadRequestError("lang must be a short language code")
    event = body.get("event")
    if not isinstance(event, dict):
        raise BadRequestError("event must be a JSON object")
    kind = event.get("type")
    if kind == "start":
        payload = event.get("payload", "")
        if not isinstance(payload, str):
            raise BadRequestError("payload must be a string")
        return session, Start(payload, hint)
    if kind == "text":
        text = event.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BadRequestError("text must be a non-empty string")
        if len(text) > MAX_INPUT:
            raise BadRequestError(f"text is longer than {MAX_INPUT} characters")
        return session, command(text, hint) if text.startswith("/") else Text(text, hint)
    if kind == "press":
        data = event.get("data")
        if not isinstance(data, str) or len(data) > 256:
            raise BadRequestError("data must be a short string")
        return session, Press(decode(data), hint)  # unreadable data: the engine's "stale"
    if kind == "location":
        return session, Location(_number(event.get("lat"), -90, 90, "lat"),
                                 _number(event.get("lon"), -180, 180, "lon"))
    raise BadRequestError("event type must be start, text, press or location")


def reply_data(reply: Reply) -> dict[str, Any]:
    buttons = [[{"label": b.label, "data": encode(b.choice)} if b.choice is not None
                else {"label": b.label, "url": b.url} for b in row] for row in reply.buttons]
    out: dict[str, Any] = {"node": reply.node, "text": reply.text, "buttons": buttons}
    if reply.venue is not None:
        v = reply.venue
        out["venue"] = {"lat": v.lat, "lon": v.lon, "title": v.title, "address": v.address}
    return out


@dataclass
class Answer:
    """What the HTTP layer sends: a status, a JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class WebService:
    dialog: Dialog
    store: StateStore
    secret: bytes
    ttl: int = 86400
    stats: StatsSink | None = None
    flood: Throttle | None = None  # typed messages of one tab (THROTTLE_*)
    per_session: Throttle | None = None  # every request of one tab (WEB_SESSION_LIMIT)
    per_ip: Throttle | None = None  # every request of one address (WEB_IP_LIMIT)
    clock: Callable[[], dt.datetime] | None = None
    _told_lost: set[str] = field(default_factory=set)

    def now(self) -> dt.datetime:
        return self.clock() if self.clock is not None else dt.datetime.now(dt.UTC)

    def ip_key(self, address: str) -> str:
        """An address as the limits remember it: an HMAC, never the address."""
        return hmac.new(self.secret, b"ip:" + address.encode(), hashlib.sha256).hexdigest()[:20]

    def labels(self, lang: str) -> dict[str, str]:
        ui = self.dialog.engine.renderer.ui
        return {key: ui(lang, key) for key in PAGE_LABELS}

    def answer(self, turn: Turn, *, forget: bool = False) -> dict[str, Any]:
        state = turn.state
        ask_key = state.slots.get("ask")
        node = self.dialog.engine.bundle.node(ask_key) if ask_key else None
        return {
            "replies": [reply_data(r) for r in turn.replies],
            "lang": state.lang,
            "dir": "rtl" if state.lang in RTL_LANGS else "ltr",
            "ask": node.ask if node is not None else None,
            "forget": forget,
            "ui": self.labels(state.lang),
        }

    async def _load(self, key: str) -> tuple[State | None, bool]:
        try:
            return await self.store.get(key), False
        except StoreError as exc:
            log.warning("state store unavailable on read (%s): answering without state",
                        type(exc).__name__)
            return None, True

    async def _save(self, key: str, state: State | None) -> None:
        try:
            if state is None:
                await self.store.delete(key)
            else:
                await self.store.set(key, state, self.ttl)
        except StoreError as exc:
            log.warning("state store unavailable on write (%s)", type(exc).__name__)

    def _limited(self, state: State | None) -> Answer:
        turn = self.dialog.notice(state, Notice.SLOW_DOWN, self.now())
        return Answer(429, {"error": "too many requests", **self.answer(turn)},
                      {"Retry-After": "10"})

    async def turn(self, session: str, event: Event, address: str) -> Answer:
        """One event of one tab's conversation."""
        key = session_key(session, self.secret)
        for window, k in ((self.per_ip, self.ip_key(address)), (self.per_session, key)):
            if window is not None and window.check(k) is not Flood.OK:
                return self._limited((await self._load(key))[0])
        if self.flood is not None and isinstance(event, Text):
            verdict = self.flood.check(key)
            if verdict is Flood.DROP:
                return Answer(429, {"error": "too many messages"}, {"Retry-After": "10"})
            if verdict is Flood.WARN:
                state, _ = await self._load(key)
                turn = self.dialog.notice(state, Notice.SLOW_DOWN, self.now())
                return Answer(200, self.answer(turn))
        state, lost = await self._load(key)
        tell = lost and key not in self._told_lost and len(self._told_lost) < 100_000
        if tell:  # once per tab while the store is down
            self._told_lost.add(key)
        elif not lost and self._told_lost:
            self._told_lost.clear()
        try:
            turn = await self.dialog.handle(state, event, self.now(), state_lost=tell)
        except Exception as exc:  # the emergency numbers, never silence
            log.error("turn failed: %s", type(exc).__name__)
            return Answer(200, self.answer(self.dialog.notice(state, Notice.ERROR, self.now())))
        forget = any(isinstance(e, Forget) for e in turn.effects)
        await self._save(key, None if forget else turn.state)
        await self._count([(c.lang, c.node) for c in turn.effects if isinstance(c, Count)])
        return Answer(200, self.answer(turn, forget=forget))

    async def erase(self, session: str) -> None:
        """"Quitter vite": the tab's conversation is deleted from the store now."""
        key = session_key(session, self.secret)
        await self._save(key, None)
        if self.flood is not None:
            self.flood.forget(key)
        if self.per_session is not None:
            self.per_session.forget(key)

    async def _count(self, counts: list[tuple[str, str]]) -> None:
        await record(self.stats, self.now(), counts)
