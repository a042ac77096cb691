"""What every peer bot of benchmarks/run.py shares, so that no side gets an advantage the
others lack: the logging level, the event loop, the garbage-collector tuning, the settings.

The peers read the same environment variables as ``python -m bot run``: BOT_TOKEN,
BOT_API_BASE, WEBHOOK_URL, WEBHOOK_PORT, WEBHOOK_SECRET, REDIS_URL, LOG_LEVEL; and
BENCH_LOOP (``asyncio`` or ``uvloop``); ours takes EVENT_LOOP (benchmarks/run.py sets both).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any

#: The same thresholds as bot/telegram/app.py (GC_THRESHOLDS): copied, not imported, so that a
#: peer never loads any of our code.
GC_THRESHOLDS = (20_000, 50, 100)
PATH = "/telegram"

TOKEN = os.environ["BOT_TOKEN"]
API = os.environ["BOT_API_BASE"].rstrip("/")
WEBHOOK_URL = os.environ["WEBHOOK_URL"].rstrip("/") + PATH
PORT = int(os.environ["WEBHOOK_PORT"])
SECRET = os.environ["WEBHOOK_SECRET"]
REDIS_URL = os.environ.get("REDIS_URL") or None


def tune_gc() -> None:
    """As our bot does after start-up (bot/telegram/app.py: tune_gc)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def setup_logging() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run(main: Callable[[asyncio.Event], Awaitable[Any]]) -> None:
    """Run ``main(stop)`` on the chosen event loop until SIGTERM or SIGINT."""
    setup_logging()
    if os.environ.get("BENCH_LOOP") == "uvloop":
        import uvloop

        uvloop.install()

    async def wrapper() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(wrapper())


# -- the menu shape shared by the aiogram-dialog and python-telegram-bot peers ---------------
# Like the project's: a welcome screen with 4 buttons, a row of 2 and a quit button; a topic
# menu of 8 topics, a row of 3 and quit; a topic screen of 4 buttons, a row of 3 and quit.
# Texts of similar length (placeholders: these bots never reach a user).

WELCOME = ("Bonjour. Je suis un assistant automatique de démonstration. Je ne suis pas une "
           "personne et pas un service d'urgence. Je ne garde pas ce que tu écris. Qui es-tu ?")
START_BUTTONS = ["Je suis un ou une jeune", "Je suis un ou une pro", "Langue · Language",
                 "Ce que le bot garde"]
MENU_TEXT = "De quoi veux-tu parler ? Choisis un sujet. Tu peux aussi écrire avec tes mots."
TOPICS = ["grooming", "nudes", "sextortion", "loverboy", "trafficking", "ok", "talk", "saj"]
TOPIC_LABELS = ["Un adulte me met mal à l'aise", "Photos intimes, nudes",
                "On me fait du chantage", "Mon copain veut que je…", "On m'exploite, mes papiers",
                "Est-ce que c'est OK ?", "Parler à quelqu'un", "Mon SAJ"]
SUBS = ["Les signes qui alertent", "Ça m'arrive, je fais quoi ?", "Faire le test",
        "Parler à quelqu'un"]
TOPIC_TEXT = {t: (f"[{t}] Parfois, un adulte est très gentil avec un jeune, en ligne ou en "
                  "vrai. Il fait des compliments, il écoute, il offre des cadeaux. Petit à "
                  "petit, il demande plus : un secret, des photos, un rendez-vous. Si ça "
                  "t'arrive, ce n'est pas ta faute.") for t in TOPICS}
NOT_UNDERSTOOD = "Je n'ai pas compris. Choisis un sujet ou écris avec d'autres mots."
CRISIS_TEXT = "Si tu es en danger maintenant : appelle le 112. Tu peux parler au 103."
#: Typed text: a few words per topic, and a few crisis phrases (ours has thousands, and a
#: classifier: the peers get the cheaper job).
KEYWORDS = {"photo": "nudes", "nude": "nudes", "publier": "sextortion", "menace": "sextortion",
            "chantage": "sextortion", "grooming": "grooming", "copain": "loverboy",
            "travaille": "loverboy", "papiers": "trafficking", "sexto": "nudes",
            "disparu": "trafficking"}
CRISIS = ("mourir", "frappe", "dehors ce soir", "suicide")


def understand(text: str) -> str | None:
    """``"crisis"``, a topic, or None."""
    low = text.lower()
    if any(c in low for c in CRISIS):
        return "crisis"
    for word, topic in KEYWORDS.items():
        if word in low:
            return topic
    return None
