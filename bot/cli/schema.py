"""``python -m bot schema``: JSON Schemas of the content files, generated from the loader.

Editors (VS Code with the Red Hat YAML extension) use them to complete keys and underline
mistakes while typing; ``lint`` stays the authority (cross-file checks, file:line errors).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..config import ROOT, Settings
from ..engine import directory, loader
from ..engine.checks import KNOWN_ACTIONS
from ..engine.i18n import LANGS
from ..engine.model import AUDIENCES

SCHEMA_DIR = ROOT / "docs" / "schema"
ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
TEXT = {"type": "string", "minLength": 1}
PHRASES = {"type": "array", "items": TEXT}
TRIGGERS = {"type": "object", "propertyNames": {"enum": list(LANGS)},
            "additionalProperties": PHRASES}


def _object(props: dict[str, Any], required: tuple[str, ...], description: str = ""
            ) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props,
                           "required": list(required), "additionalProperties": False}
    if description:
        out["description"] = description
    return out


def flow_schema() -> dict[str, Any]:
    button_props = {
        "text": {**TEXT, "description": "label (short: about 30 characters)"},
        "goto": {"type": "string", "description": "node, or flow:node"},
        "url": {"type": "string", "pattern": "^(https?|tg)://"},
        "contact": ID,
        "set": _object({"audience": {"enum": ["young", "pro"]},
                        "auto_erase": {"type": "integer", "description":
                                       "minutes (0: off, or 5 to 1440)"}}, ()),
        "row": {"type": "integer"},
    }
    assert set(button_props) == set(loader.BUTTON_KEYS)
    button = _object(button_props, ("text",))
    button["oneOf"] = [{"required": [k]} for k in ("goto", "url", "contact")]
    node_props = {
        "say": {**TEXT, "description": "the message, in French"},
        "buttons": {"type": "array", "items": button, "maxItems": 8},
        "contacts": {"type": "array", "items": ID},
        "facts": {"type": "array", "items": ID},
        "action": {"enum": list(KNOWN_ACTIONS)},
        "ask": {"enum": list(loader.ASK_KINDS)},
        "sensitive": {"type": "boolean"},
        "triggers": TRIGGERS,
        "open_now": {"type": "array", "items": ID, "description":
                     "{open_now.phone} names the first of these lines open right now"},
        "contacts_by_lang": {"type": "object", "additionalProperties": {
            "type": "array", "items": ID}, "description": "extra cards for one language"},
        "navigation": {"type": "boolean", "description":
                       "false: no Back/Home/Help/Quit buttons (the quick exit's last line)"},
        "status_of": {"type": "array", "items": ID, "description":
                      "lines whose open-now status the helpline_status action lists"},
        "cards": {"enum": ["full", "short"], "description":
                  "short: cards to pass on (no description, no live status)"},
    }
    assert set(node_props) == set(loader.NODE_KEYS)
    flow_props = {
        "id": ID, "audience": {"enum": list(AUDIENCES)}, "title": TEXT,
        "description": {"type": "string"}, "sensitive": {"type": "boolean"},
        "triggers": TRIGGERS, "start": ID,
        "nodes": {"type": "object", "propertyNames": ID,
                  "additionalProperties": _object(node_props, ("say",))},
    }
    assert set(flow_props) == set(loader.FLOW_KEYS)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Flow of the orientation bot (docs/flow-format.md)",
            **_object(flow_props, loader.FLOW_REQUIRED)}


def contacts_schema() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    hours = {"oneOf": [{"const": "24/7"}, {"type": "null"}, {
        "type": "object",
        "propertyNames": {"pattern": "^(mo|tu|we|th|fr|sa|su)(-(mo|tu|we|th|fr|sa|su))?$"},
        "additionalProperties": {"type": "array", "items": {
            "type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}$"}}}]}
    sources = {"type": "array", "minItems": 1, "items": {"type": "string",
                                                         "pattern": "^https?://"}}
    date = {"type": "string", "format": "date"}
    confidence = {"enum": list(directory.CONFIDENCE)}
    contact_props = {
        "name": TEXT, "what": TEXT, "audience": {"type": "array", "items": {
            "enum": ["young", "pro"]}}, "area": nullable_text,
        "kind": {"enum": list(directory.KINDS)}, "phone": nullable_text, "chat": nullable_text,
        "web": nullable_text, "email": nullable_text, "address": nullable_text, "hours": hours,
        "hours_confirmed": {"type": "boolean"}, "free": {"type": ["boolean", "null"]},
        "anonymous": {"type": ["boolean", "null"]}, "source": sources, "verified": date,
        "confidence": confidence,
        "location": {"oneOf": [{"type": "null"}, _object(
            {"lat": {"type": "number"}, "lon": {"type": "number"}}, ("lat", "lon"))]},
        "note": nullable_text,
    }
    assert set(contact_props) == set(directory.CONTACT_KEYS)
    fact = _object({"text": TEXT, "source": sources, "verified": date,
                    "confidence": confidence, "code": {"enum": [*directory.CODES, 2026]},
                    "note": nullable_text}, directory.FACT_REQUIRED)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Contact directory of the orientation bot",
            **_object({
                "portal": _object({"name": TEXT, "url": TEXT, "source": sources},
                                  ("name", "url")),
                "contacts": {"type": "object", "propertyNames": ID,
                             "additionalProperties": _object(contact_props,
                                                             directory.CONTACT_REQUIRED)},
                "facts": {"type": "object", "propertyNames": ID,
                          "additionalProperties": fact},
            }, ("portal", "contacts"))}


SCHEMAS = {"flow.schema.json": flow_schema, "contacts.schema.json": contacts_schema}


def render(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace, settings: Settings) -> int:
    out = Path(args.output) if args.output else SCHEMA_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        (out / name).write_text(render(name), encoding="utf-8")
        print(f"wrote {out / name}", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("schema", help="write JSON Schemas of the content for editors")
    parser.add_argument("--output", help=f"folder (default {SCHEMA_DIR})")
    parser.set_defaults(func=run)
