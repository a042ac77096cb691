"""The engine: flows loaded from YAML, and a deterministic step function over them.

This package imports neither aiogram nor redis and does no I/O while stepping: adapters
(Telegram, console, tests) turn their input into an :data:`Event`, call :func:`step` (through
:class:`bot.dialog.Dialog`, which also runs custom actions and calls :func:`resume`), and
carry out the :class:`Turn`'s replies and effects. What is listed in ``__all__`` is the
engine's public surface; code outside ``bot/engine`` imports only that (a test checks it).
The command-line tools in ``bot/cli`` are the exception: they inspect the content itself.
"""

from .choices import (
    Back,
    Choice,
    GoTo,
    HelpNow,
    Home,
    Open,
    PickPlace,
    QuickExit,
    SetLanguage,
    decode,
    encode,
)
from .compiled import Engine
from .directory import load_directory_file
from .hours import OpenStatus, status
from .i18n import LANGS, RTL_LANGS, SOURCE_LANG, Translator, language_name, normalize_lang
from .loader import load_bundle, load_or_raise
from .model import EMERGENCY, START, Bundle, Directory
from .problems import ContentError, Problem, Report
from .results import ActionResult, HelplineResult, HelplineStatus, PlaceOption, SajResult, resume
from .screens import show
from .state import (
    MAX_INPUT,
    ActionCall,
    Button,
    Command,
    Count,
    DeleteIncoming,
    Effect,
    Event,
    Forget,
    Location,
    Media,
    Press,
    Reply,
    Start,
    State,
    Text,
    Turn,
    Venue,
    command,
)
from .step import step

__all__ = [
    "EMERGENCY",
    "LANGS",
    "MAX_INPUT",
    "RTL_LANGS",
    "SOURCE_LANG",
    "START",
    "ActionCall",
    "ActionResult",
    "Back",
    "Bundle",
    "Button",
    "Choice",
    "Command",
    "ContentError",
    "Count",
    "DeleteIncoming",
    "Directory",
    "Effect",
    "Engine",
    "Event",
    "Forget",
    "GoTo",
    "HelpNow",
    "HelplineResult",
    "HelplineStatus",
    "Home",
    "Location",
    "Media",
    "Open",
    "OpenStatus",
    "PickPlace",
    "PlaceOption",
    "Press",
    "Problem",
    "QuickExit",
    "Reply",
    "Report",
    "SajResult",
    "SetLanguage",
    "Start",
    "State",
    "Text",
    "Translator",
    "Turn",
    "Venue",
    "command",
    "decode",
    "encode",
    "language_name",
    "load_bundle",
    "load_directory_file",
    "load_or_raise",
    "normalize_lang",
    "resume",
    "show",
    "status",
    "step",
]
