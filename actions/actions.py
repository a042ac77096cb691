"""rasa-sdk Action classes. Their output is data (``json_message``); words are the engine's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import logic


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class ActionFindSaj(Action):  # type: ignore[misc]  # rasa-sdk ships no type information
    """Find the competent SAJ from slots ``place_query``, ``place_refnis`` or ``lat``/``lon``.

    The place the user typed is cleared from the slots at once (it must not be kept).
    """

    def name(self) -> str:
        return "action_find_saj"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        result = logic.find_saj(
            query=tracker.get_slot("place_query"),
            refnis=tracker.get_slot("place_refnis"),
            lat=_float(tracker.get_slot("lat")),
            lon=_float(tracker.get_slot("lon")),
            lang=str(tracker.get_slot("language") or "fr"),
        )
        dispatcher.utter_message(json_message=result)
        return [SlotSet("place_query", None), SlotSet("lat", None), SlotSet("lon", None),
                SlotSet("saj_target", result.get("target"))]


class ActionHelplineStatus(Action):  # type: ignore[misc]  # rasa-sdk ships no type information
    """Which helplines are open now (Europe/Brussels), from the directory's hours."""

    def name(self) -> str:
        return "action_helpline_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        raw_now = tracker.get_slot("now")
        try:
            now = dt.datetime.fromisoformat(raw_now) if raw_now else dt.datetime.now(dt.UTC)
        except ValueError:
            now = dt.datetime.now(dt.UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
        wanted = tracker.get_slot("helplines")
        if isinstance(wanted, list) and wanted and all(isinstance(c, str) for c in wanted):
            result = logic.helpline_status(now, tuple(wanted))
        else:
            result = logic.helpline_status(now)
        dispatcher.utter_message(json_message=result)
        return []
