"""Budgets of typed-text understanding (issue 21), measured on this machine.

    python benchmarks/understanding.py              # everything below
    python benchmarks/understanding.py --p95-only   # one JSON line (benchmarks/run.py)

Prints: training time (no cache) and cache load time; latency of ``step`` on every
held-out message and on 4,096-character messages (p50 / p95 / max); RSS added to the bot
process by the classifier (engine with it minus engine without it, each in a fresh process,
and the peak during training). Budgets: <= 5 ms p95 per message, <= 40 MiB added RSS,
<= 15 s training on 2 cores.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
def rss():
    with open("/proc/self/status") as fh:
        f = dict(l.split(":", 1) for l in fh)
    return int(f["VmRSS"].split()[0]) / 1024, int(f["VmHWM"].split()[0]) / 1024
from bot.engine.loader import load_or_raise
from bot.engine.i18n import Translator
bundle = load_or_raise(); translator = Translator.load()
base = rss()[0]
if sys.argv[2] == "without":
    sys.modules["numpy"] = None  # an engine as before: numpy is not even imported
    import types
    fake = types.ModuleType("bot.engine.classify")
    fake.Classifier = object; fake.load_or_train = None
    fake.default_cache = lambda: None
    sys.modules["bot.engine.classify"] = fake
from bot.engine import runtime, understand
if sys.argv[2] == "without":
    real = understand.Understanding.build
    understand.Understanding.build = classmethod(
        lambda cls, *a, **k: real.__func__(cls, *a, **{**k, "classifier": False}))
t = time.perf_counter()
engine = runtime.Engine.build(bundle, translator)
took = time.perf_counter() - t
now, peak = rss()
print(json.dumps({"rss": now, "peak": peak, "base": base, "build": took}))
"""


def child(mode: str, cache: str) -> dict[str, float]:
    env = dict(os.environ, BOT_MODEL_CACHE=cache, OMP_NUM_THREADS="2",
               OPENBLAS_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), mode], env=env,
                         capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def main() -> None:
    from bot.cli.evaluate import NOW, load_cases
    from bot.engine import Engine, classify, step
    from bot.engine.i18n import Translator
    from bot.engine.loader import load_or_raise
    from bot.engine.state import State, Text
    from bot.engine.understand import training_samples

    bundle = load_or_raise()
    samples = training_samples(bundle)
    t = time.perf_counter()
    model = classify.train(samples)
    train_s = time.perf_counter() - t
    print(f"training: {len(samples)} samples, {len(model.classes)} classes, "
          f"{len(model.vocab)} features, model {model.nbytes() / 2**20:.1f} MiB, "
          f"{train_s:.2f} s (budget 15 s)")
    with tempfile.TemporaryDirectory() as tmp:
        classify.load_or_train(samples, Path(tmp))
        t = time.perf_counter()
        classify.load_or_train(samples, Path(tmp))
        print(f"load from cache: {time.perf_counter() - t:.3f} s")
        without = child("without", "off")
        cold = child("with", "off")
        child("with", tmp)
        warm = child("with", tmp)
    print(f"RSS: bundle loaded {without['base']:.0f} MiB; engine without classifier "
          f"{without['rss']:.0f} MiB, with {cold['rss']:.0f} MiB "
          f"after training (+{cold['rss'] - without['rss']:.1f} MiB; peak during training "
          f"+{cold['peak'] - without['peak']:.1f} MiB), with a cached model "
          f"{warm['rss']:.0f} MiB (+{warm['rss'] - without['rss']:.1f} MiB) (budget 40 MiB)")
    print(f"engine build: {without['build']:.2f} s without, {cold['build']:.2f} s training, "
          f"{warm['build']:.2f} s from cache")

    engine = Engine.build(bundle, Translator.load())
    cases = load_cases()
    long_texts = [(c.text + " ") * (4096 // (len(c.text) + 1) + 1) for c in cases[::25]]
    for label, texts in (("held-out messages", [c.text for c in cases]),
                         ("4,096-character messages", long_texts)):
        times = []
        for _ in range(3):
            for text in texts:
                t = time.perf_counter()
                step(engine, State(lang="fr"), Text(text[:4096]), NOW)
                times.append((time.perf_counter() - t) * 1000)
        print(f"step() on {len(texts)} {label} x3: p50 {statistics.median(times):.2f} ms, "
              f"p95 {pct(times, 0.95):.2f} ms, max {max(times):.2f} ms (budget p95 5 ms)")
    times = []
    for text in [c.text for c in cases]:
        t = time.perf_counter()
        model.scores(text)
        times.append((time.perf_counter() - t) * 1000)
    print(f"classifier alone: p50 {statistics.median(times):.3f} ms, "
          f"p95 {pct(times, 0.95):.3f} ms")


def p95_only() -> None:
    """One JSON line: p95 of ``step`` on every held-out message x3 (benchmarks/run.py)."""
    from bot.cli.evaluate import NOW, load_cases
    from bot.engine import Engine, step
    from bot.engine.i18n import Translator
    from bot.engine.loader import load_or_raise
    from bot.engine.state import State, Text

    engine = Engine.build(load_or_raise(), Translator.load())
    times = []
    for _ in range(3):
        for case in load_cases():
            t = time.perf_counter()
            step(engine, State(lang="fr"), Text(case.text[:4096]), NOW)
            times.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"p95_ms": round(pct(times, 0.95), 3), "messages": len(times) // 3}))


if __name__ == "__main__":
    if "--p95-only" in sys.argv:
        p95_only()
    else:
        main()
