"""Run the custom actions for the engine: directly (the bot), or through rasa-sdk.

The bot process calls the actions' logic directly (:class:`DirectActionRunner`): the same
function the rasa-sdk Action classes call, with the same slots, without importing rasa-sdk
and Sanic (about 9 MiB and 60 ms at start-up, docs/performance.md). The rasa-sdk path
(:class:`RasaActionRunner`, and ``python -m rasa_sdk --actions actions`` as a server) stays
for Rasa assistants; a test checks that both give the same results.
"""

from __future__ import annotations

from typing import Any

from actions import logic

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


def slots_of(args: dict[str, Any]) -> dict[str, Any]:
    """The engine's action arguments as the actions' slots."""
    return {slot: args.get(key) for key, slot in _SLOTS.items()}


def action_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The request body rasa-sdk expects (the same one Rasa posts to ``/webhook``)."""
    import rasa_sdk  # noqa: PLC0415  (only the rasa-sdk path needs it)

    slots = slots_of(args)
    return {
        "next_action": f"action_{name}",
        "sender_id": "anonymous",  # the engine never passes who the user is
        "tracker": {"sender_id": "anonymous", "slots": slots, "latest_message": {},
                    "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": None},
        "domain": DOMAIN,
        "version": rasa_sdk.__version__,
    }


class DirectActionRunner:
    """An :class:`bot.dialog.ActionRunner` that calls the actions' logic in process."""

    async def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        return dict(logic.run(name, slots_of(args)))


class RasaActionRunner:
    """An :class:`bot.dialog.ActionRunner` backed by rasa-sdk's executor, in process."""

    def __init__(self, package: str = "actions") -> None:
        from rasa_sdk.executor import ActionExecutor  # noqa: PLC0415  (the rasa-sdk path only)

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
