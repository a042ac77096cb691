"""Crisis detection on the labelled set, anonymous statistics, drop-off."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter

import pytest

from bot.engine import LANGS, Engine
from bot.engine.crisis import CrisisDetector
from bot.store.stats import MemoryStats, RedisStats, dropoff

from .conftest import ROOT
from .redis_util import RedisServer

CASES = ROOT / "tests" / "data" / "crisis_cases.tsv"


def cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_recall_is_total_on_every_danger_case(engine: Engine) -> None:
    detector = engine.detector
    missed = [(c["lang"], c["text"]) for c in cases()
              if c["label"] != "none" and detector.detect(c["text"]) is None]
    assert missed == []


def test_category_is_right_on_danger_cases(engine: Engine) -> None:
    wrong = [(c["lang"], c["label"], c["text"]) for c in cases()
             if c["label"] != "none" and engine.detector.detect(c["text"]) != c["label"]]
    assert wrong == []


def test_false_alarms_stay_rare(engine: Engine) -> None:
    ordinary = [c for c in cases() if c["label"] == "none"]
    alarms = [c["text"] for c in ordinary if engine.detector.detect(c["text"])]
    assert len(ordinary) >= 100
    assert len(alarms) / len(ordinary) <= 0.02, alarms


def test_every_language_has_labelled_cases() -> None:
    per_lang = Counter(c["lang"] for c in cases())
    assert set(per_lang) == set(LANGS)
    assert min(per_lang.values()) >= 20


@pytest.mark.parametrize("text", ["c'est quoi le grooming", "je suis mort de rire",
                                  "mdr", "j'ai tué le boss du jeu"])
def test_ordinary_questions_are_not_emergencies(engine: Engine, text: str) -> None:
    assert engine.detector.detect(text) is None


def test_detector_can_fail_without_lists() -> None:
    from bot.engine.model import CrisisLists

    empty = CrisisDetector.build(CrisisLists({}, {}))
    assert empty.detect("je veux mourir") is None


def test_crisis_report_prints_recall_and_precision() -> None:
    out = subprocess.run([sys.executable, "-m", "bot", "lint", "--report", "crisis"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 error(s)" in out.stderr
    assert "recall" in out.stdout and "precision" in out.stdout
    assert "100.0%" in out.stdout


async def test_memory_stats_and_dropoff() -> None:
    stats = MemoryStats()
    await stats.add("2026-01-05", [("fr", "menu:young"), ("fr", "menu:young"),
                                   ("fr", "sextortion:start")])
    rows = await stats.rows()
    assert rows == [("2026-01-05", "fr", "menu:young", 2),
                    ("2026-01-05", "fr", "sextortion:start", 1)]
    table = dropoff(rows, {"menu:young": ["sextortion:start"]})
    assert ("menu:young", 2, 1) in table


@pytest.mark.redis
async def test_stats_cli_exports_csv(redis_server: RedisServer) -> None:
    from bot.store.redis import RedisStateStore

    store = RedisStateStore(redis_server.url)
    await RedisStats(store.counters).add("2026-01-05", [("ar", "menu:young")])
    env = dict(os.environ, REDIS_URL=redis_server.url)
    out = subprocess.run([sys.executable, "-m", "bot", "stats"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    drop = subprocess.run([sys.executable, "-m", "bot", "stats", "--dropoff"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    await store.close()
    assert out.stdout.splitlines() == ["day,lang,node,count", "2026-01-05,ar,menu:young,1"]
    assert drop.stdout.splitlines()[0] == "node,shown,left_here"


def test_regression_same_phrase_under_two_keys_is_found_for_both() -> None:
    """A phrase listed for two languages (or categories) was reported for one of them only."""
    from bot.engine.text import Pattern, PhraseIndex, words

    index = PhraseIndex([("sextortion|en", Pattern.compile("blackmail*")),
                         ("sextortion|pcm", Pattern.compile("blackmail*")),
                         ("danger", Pattern.compile("il me frappe")),
                         ("suicide", Pattern.compile("il me frappe"))])
    keys = {key for key, _ in index.find(words("he is blackmailing me il me frappe"))}
    assert keys == {"sextortion|en", "sextortion|pcm", "danger", "suicide"}
