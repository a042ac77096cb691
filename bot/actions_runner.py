"""Run the rasa-sdk actions in process through rasa-sdk's own ActionExecutor (no HTTP)."""

from __future__ import annotations

from typing import Any

import rasa_sdk
from rasa_sdk.executor import ActionExecutor

#: The slots the actions read; a Rasa assistant declares the same ones in its domain.
DOMAIN: dict[str, Any] = {
    "slots": {name: {"type": "any", "mappings": [{"type": "custom"}]}
              for name in ("place_query", "place_refnis", "lat", "lon", "now", "saj_target",
                          "helplines", "language")},
    "responses": {}, "intents": [], "entities": [], "actions": [
        "action_find_saj", "action_helpline_status"],
}
_SLOTS = {"query": "place_query", "refnis": "place_refnis", "lat": "lat", "lon": "lon",
          "now": "now", "contacts": "helplines", "lang": "language"}


def action_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The request body rasa-sdk expects (the same one Rasa posts to ``/webhook``)."""
    slots = {slot: args.get(key) for key, slot in _SLOTS.items()}
    return {
        "next_action": f"action_{name}",
        "sender_id": "anonymous",  # the engine never passes who the user is
        "tracker": {"sender_id": "anonymous", "slots": slots, "latest_message": {},
                    "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": None},
        "domain": DOMAIN,
        "version": rasa_sdk.__version__,
    }


class RasaActionRunner:
    """An :class:`bot.dialog.ActionRunner` backed by rasa-sdk's executor, in process."""

    def __init__(self, package: str = "actions") -> None:
        self.executor = ActionExecutor()
        self.executor.register_package(package)

    async def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        result = await self.executor.run(action_call(name, args))
        if result is None:
            return {"kind": "error"}
        for message in result.responses:
            custom = message.get("custom")
            if isinstance(custom, dict) and custom:
                return custom
        return {"kind": "error"}
