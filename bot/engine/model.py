"""Typed model of the content: flows, nodes, buttons, contacts, facts, crisis lists.

Objects are immutable once loaded; a :class:`Bundle` is everything the runtime needs and is
replaced as a whole on reload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from .problems import Pos

Audience = Literal["young", "pro", "all"]
AUDIENCES: tuple[str, ...] = ("young", "pro", "all")
WEEKDAYS: tuple[str, ...] = ("mo", "tu", "we", "th", "fr", "sa", "su")


@dataclass(frozen=True)
class ButtonSpec:
    """A button under a message: go to a node, or open a link."""

    text: str
    pos: Pos
    goto: str | None = None  # qualified "flow:node"
    url: str | None = None
    contact: str | None = None  # link to that contact's web/chat
    set_audience: str | None = None
    row: int | None = None
    #: ``set: {auto_erase: 30}``: erase the whole conversation this many minutes after the
    #: user's last message (0: stop erasing automatically)
    set_erase_after: int | None = None


@dataclass(frozen=True)
class Node:
    """One message of a flow and the buttons under it."""

    flow: str
    id: str
    say: str
    pos: Pos  # where the node's id stands
    say_pos: Pos  # where its text stands (text rules point here)
    buttons: tuple[ButtonSpec, ...] = ()
    contacts: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    action: str | None = None
    ask: str | None = None
    sensitive: bool = False
    triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # {open_now.*} placeholders name the first of these contacts that is open now
    #: contacts whose open-now status the ``helpline_status`` action lists (default: its own)
    status_of: tuple[str, ...] = ()
    #: ``cards: short``: contact cards to pass on (no description, no live status)
    short_cards: bool = False
    #: ``navigation: false``: no Back/Home/Help/Quit buttons (the quick exit's last line)
    navigation: bool = True
    open_now: tuple[str, ...] = ()
    # extra contact cards, shown first, for users of one language (e.g. de: [telefonhilfe])
    contacts_by_lang: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.flow}:{self.id}"


@dataclass(frozen=True)
class Flow:
    """A topic: its nodes, start node and the typed words that open it."""

    id: str
    audience: str
    title: str
    start: str
    nodes: dict[str, Node]
    file: str
    pos: Pos
    triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sensitive: bool = False


@dataclass(frozen=True)
class Interval:
    """Opening interval in minutes since midnight (end may be 1440)."""

    start: int
    end: int


@dataclass(frozen=True)
class Hours:
    """Opening hours: always open, or intervals per weekday (0 = Monday)."""

    always: bool = False
    week: tuple[tuple[Interval, ...], ...] = ((), (), (), (), (), (), ())


@dataclass(frozen=True)
class Contact:
    """A service the bot names, with where each fact comes from."""

    id: str
    name: str
    what: str
    pos: Pos
    kind: str
    audience: tuple[str, ...]
    area: str | None
    phone: str | None
    chat: str | None
    web: str | None
    email: str | None
    address: str | None
    hours: Hours | None
    hours_confirmed: bool
    free: bool | None
    anonymous: bool | None
    source: tuple[str, ...]
    verified: dt.date | None
    confidence: str
    location: tuple[float, float] | None = None
    note: str | None = None  # caveat for maintainers (e.g. "house number to confirm")


@dataclass(frozen=True)
class Fact:
    """A rule or fact a text relies on, with its source."""

    id: str
    text: str
    pos: Pos
    source: tuple[str, ...]
    verified: dt.date | None
    confidence: str
    code: str | None = None  # legal facts: "old" (Code pénal of 1867) or "2026" (new Code)
    note: str | None = None


@dataclass(frozen=True)
class Portal:
    """The official page shown whenever a contact field is unknown."""

    name: str
    url: str
    source: tuple[str, ...] = ()


@dataclass(frozen=True)
class Directory:
    portal: Portal
    contacts: dict[str, Contact]
    facts: dict[str, Fact]


@dataclass(frozen=True)
class CrisisLists:
    """Crisis phrases per category and language, and phrases to ignore."""

    categories: dict[str, dict[str, tuple[str, ...]]]
    ignore: dict[str, tuple[str, ...]]
    file: str = ""
    #: words of forced criminality: with a "forced" phrase, trafficking answers, not danger
    exploitation: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    """A message as people type it, and the flow it should open (trains the classifier)."""

    lang: str
    flow: str
    text: str
    pos: Pos
    reviewed: bool = False


@dataclass(frozen=True)
class Readability:
    """Limits for young people's messages (``flows/readability.yaml``)."""

    min_score: float = 55.0
    max_chars: int = 500
    max_sentence_words: int = 20
    audiences: tuple[str, ...] = ("young", "all")


@dataclass(frozen=True)
class Bundle:
    """Everything loaded from ``flows/``: what the runtime steps through."""

    flows: dict[str, Flow]
    directory: Directory
    crisis: CrisisLists
    ui: dict[str, str]
    version: str
    node_keys: tuple[str, ...]  # index -> "flow:node", for short callback data
    node_index: dict[str, int]
    readability: Readability = field(default_factory=Readability)
    #: deep-link name -> "flow:node" (flows/links.yaml), and where each name is written
    links: dict[str, str] = field(default_factory=dict)
    link_pos: dict[str, Pos] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()
    #: lang -> phrases by which professionals present themselves ("je suis éducatrice")
    audience_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def node(self, key: str) -> Node | None:
        flow_id, _, node_id = key.partition(":")
        flow = self.flows.get(flow_id)
        return flow.nodes.get(node_id) if flow else None


START = "start:start"
EMERGENCY = "emergency:start"
ASK_DANGER = "emergency:ask"  # "are you in danger now?" when only the classifier says so
#: Nodes the engine itself enters; the checks make sure the content defines them.
SYSTEM_NODES = (
    "system:help", "system:privacy", "system:language", "system:language_offer",
    "system:not_understood", "system:did_you_mean", "system:stale", "system:unknown_command",
    "system:media_deleted", "system:unsupported", "system:forgotten", "system:slow_down",
    "system:error", "system:state_lost", "system:saj_found", "system:saj_choose",
    "system:saj_choose_place", "system:saj_dg", "system:saj_flanders", "system:saj_outside",
    "system:saj_not_found", "system:exited", "system:unreviewed", "system:not_saved",
    "system:forget_failed", "system:not_deleted", "system:contact_deleted",
    "system:voice_deleted",
)
#: Labels and phrases of flows/common/ui.yaml the engine and the adapters use.
UI_KEYS = (
    "help_now", "home", "back", "hours_always", "hours_unknown", "hours_unconfirmed",
    "open_until", "closed_opens", "today", "tomorrow", "unknown_value", "unknown_plain", "free",
    "anonymous", "fallback_marker", "not_reviewed", "status_line", "your_place",
    "cmd_start", "cmd_menu", "cmd_help", "cmd_language", "cmd_sos", "cmd_saj", "cmd_privacy",
    "cmd_forget", "quick_exit", "copy_number", "chat_with", "bot_description",
    "bot_short_description",
    "web_title", "web_exit", "web_message", "web_send", "web_place", "web_search", "web_locate",
    "web_locate_failed", "web_offline", "web_you", "web_bot", "web_noscript",
)
