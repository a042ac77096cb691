"""rasa-sdk Action classes. Their output is data (``json_message``); words are the engine's."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import logic


class ActionFindSaj(Action):  # type: ignore[misc]  # rasa-sdk ships no type information
    """Find the competent SAJ from slots ``place_query``, ``place_refnis`` or ``lat``/``lon``.

    The place the user typed is cleared from the slots at once (it must not be kept).
    """

    def name(self) -> str:
        return "action_find_saj"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        result = logic.run("find_saj", tracker.current_slot_values())
        dispatcher.utter_message(json_message=result)
        return [SlotSet("place_query", None), SlotSet("lat", None), SlotSet("lon", None),
                SlotSet("saj_target", result.get("target"))]


class ActionHelplineStatus(Action):  # type: ignore[misc]  # rasa-sdk ships no type information
    """Which helplines are open now (Europe/Brussels), from the directory's hours."""

    def name(self) -> str:
        return "action_helpline_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message=logic.run("helpline_status",
                                                        tracker.current_slot_values()))
        return []
