"""docs/performance.md, written from benchmarks/results.json (``benchmarks/run.py --docs``).

Every figure in that page comes from results.json; nothing is typed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: issue 19's goals: key -> (test, wording)
GOALS: dict[str, tuple[Any, str]] = {
    "http_throughput_ratio_vs_echo": (lambda v: v >= 1.3, "≥ 1.3"),
    "http_cpu_per_update_ratio_vs_echo_300": (lambda v: v <= 1.0, "≤ 1.0"),
    "http_p99_ratio_vs_echo_300": (lambda v: v <= 1.0, "≤ 1.0"),
    "http_p99_ratio_vs_echo_600": (lambda v: v <= 1.0, "≤ 1.0"),
    "http_throughput_ratio_vs_dialog": (lambda v: v >= 2.0, "≥ 2"),
    "http_throughput_ratio_vs_dialog_redis": (lambda v: v >= 2.0, "≥ 2"),
    "http_throughput_ratio_vs_ptb": (lambda v: v >= 2.0, "≥ 2"),
    "rss_kib_per_1k_conversations_memory": (lambda v: v <= 600, "≤ 600"),
    "rss_kib_per_1k_conversations_redis": (lambda v: v <= 100, "≤ 100"),
    "startup_ratio_vs_echo": (lambda v: v <= 1.1, "≤ 1.1"),
    "extra_worker_uss_mib": (lambda v: v <= 30, "≤ 30"),
    "understanding_p95_ms": (lambda v: v <= 5, "≤ 5 (issue 21)"),
}

LABELS = {
    "http_throughput_ratio_vs_echo": "saturated throughput / bare aiogram echo",
    "http_cpu_per_update_ratio_vs_echo_300": "CPU per update at 300/s / echo",
    "http_p99_ratio_vs_echo_300": "p99 at 300/s / echo",
    "http_p99_ratio_vs_echo_600": "p99 at 600/s / echo",
    "http_throughput_ratio_vs_dialog": "throughput / aiogram-dialog (MemoryStorage)",
    "http_throughput_ratio_vs_dialog_redis": "throughput with Redis / aiogram-dialog "
                                             "(RedisStorage)",
    "http_throughput_ratio_vs_ptb": "throughput / python-telegram-bot (ConversationHandler)",
    "idle_rss_mib": "idle RSS of the bot, MiB",
    "echo_idle_rss_mib": "idle RSS of the echo bot, MiB",
    "rss_kib_per_1k_conversations_memory": "RSS per 1,000 conversations, memory mode, KiB",
    "rss_kib_per_1k_conversations_redis": "RSS per 1,000 conversations, Redis mode, KiB",
    "startup_ratio_vs_echo": "start-up to ready / echo",
    "redis_commands_per_update": "Redis commands per update (INFO commandstats)",
    "extra_worker_uss_mib": "unique memory of one more worker (WORKERS), MiB",
    "understanding_p95_ms": "typed-text understanding, p95 per message, ms",
}


def goal(key: str, value: Any, res: dict[str, Any]) -> str:
    if key == "idle_rss_mib":
        limit = res["echo_idle_rss_mib"] + 40
        return f"≤ floor + 40 = {limit:.1f}: {'met' if value <= limit else '**not met**'}"
    if key not in GOALS:
        return ""
    test, wording = GOALS[key]
    if value is None:
        return f"{wording}: not measured"
    return f"{wording}: {'met' if test(value) else '**not met**'}"


def rel(a: float, b: float) -> str:
    return f"{(a / b - 1) * 100:+.1f}%"


def performance_md(res: dict[str, Any]) -> str:
    tp, off, st = res["throughput"], res["offered"], res["startup"]
    conv, rc = res["conversations"], res["redis_commands"]
    mode = "`--quick`" if res["quick"] else "full"
    m = res["machine"]
    out = [
        "# Performance",
        "",
        "<!-- Written by `benchmarks/run.py --docs` from benchmarks/results.json: do not edit "
        "by hand. -->",
        "",
        "Every figure on this page comes from one command, `python benchmarks/run.py` "
        "(about fifteen minutes on 2 cores; `--quick` is a smoke run of under two minutes whose "
        "figures are not quoted), written to `benchmarks/results.json`; "
        "`python benchmarks/run.py --docs` writes this page from it. The typed-text latency "
        "comes from `benchmarks/understanding.py --p95-only`, run by the same command, which "
        "ends with `benchmarks/workers.py` (one more `WORKERS` worker) and "
        "`benchmarks/heap.py` (the Python heap per conversation); each adds its figures to "
        "the same file and can be run alone.",
        "",
        f"Last run: {mode}, {m['cpus']} CPUs, {m['platform']}, Python {m['python']}, "
        f"{res['benchmark_seconds']} s.",
        "",
        "## How it is measured",
        "",
        "- **Over real HTTP, each bot in its own process, in webhook mode**, behind the same "
        "fake Bot API (an aiohttp server in the benchmark process; one token per bot). Ours is "
        "`python -m bot run` unmodified, `WEBHOOK_URL` and `BOT_API_BASE` pointing at the "
        "fake, `EVENT_LOOP=asyncio` (it runs on uvloop by default, the peers do not). "
        "The peers (`benchmarks/peers/`, installed with `pip install -e .[bench]`): "
        "the floor, a bare aiogram bot answering \"ok\" with aiogram's **stock session** "
        "(form bodies) and stock dispatcher; an **aiogram-dialog** bot with the same menu "
        "shape (welcome, topic menu, topic screens; a `MessageInput` for typed text) on "
        "`MemoryStorage` and on `RedisStorage`; a **python-telegram-bot** bot with a "
        "`ConversationHandler`, the same menu shape, state in memory.",
        f"- **Load**: {res['chats']:,} chats, each sent `/start` first (untimed), then 40% "
        "button presses carrying the callback data of that chat's last keyboard as the fake "
        "received it (a chat whose last message has no keyboard sends `/start` instead: "
        "`mix` in results.json), 40% typed text (crisis phrases among them), 20% `/start`; "
        "one update in flight per chat.",
        f"- **Saturated throughput**: {res['concurrency']} updates in flight (closed loop); "
        "the bots take turns on chunks of updates, the order rotated each round; the figure "
        "is the median of the rounds, the ratio the median of the rounds' ratios (spread: "
        "min–max). An update is timed from its POST to the webhook's answer: every bot "
        "answers the webhook once the update is handled (ours and aiogram's "
        "`handle_in_background=False`; PTB's stock tornado server answers before handling, "
        "so its peer is served by aiohttp calling `Application.process_update`).",
        "- **Latency and CPU under load**: an open loop at 300 and 600 updates/s (each update "
        "sent on time whatever happens), ours and the echo bot in turn; CPU is the bot "
        "process's user + system time (`/proc`) per update.",
        "- **The same advantages for everyone**: `LOG_LEVEL=WARNING` for all; the default "
        "asyncio event loop for all (uvloop only in the runs named so); the same GC tuning "
        "after start-up for all (`bot/telegram/app.py: tune_gc`, copied by the peers). "
        "Where the sides differ: the floor and the aiogram-dialog bot use aiogram's stock "
        "session and dispatcher; ours is not built on aiogram (its own Bot API client, "
        "`bot/telegram/api.py`: JSON bodies, no model per update, request or answer; "
        "`docs/architecture.md` says why); the peers' "
        "typed-text handling is a dozen keywords where ours runs crisis detection, the "
        "classifier and language identification (the model loaded); ours also counts "
        "statistics, deletes messages on \"quit\" and takes a per-chat lock in Redis; ours, "
        "aiogram-dialog and PTB edit the pressed message.",
        "- The harness (fake Bot API and load, on uvloop) shares the 2 cores with the bot: "
        f"{tp['ours']['harness_cpu_ms_per_update']} ms of CPU per update of ours, "
        f"{tp['echo']['harness_cpu_ms_per_update']} ms per update of the echo bot, against "
        f"{tp['ours']['cpu_ms_per_update']} and {tp['echo']['cpu_ms_per_update']} ms in the "
        "bots themselves: at saturation the bot's process is the one that runs out of core "
        "(its CPU ms per update times its updates/s is close to 1,000 ms per second).",
        "",
        "## Issue 19's figures against its goals",
        "",
        "| measure | figure | goal |",
        "|---|---|---|",
    ]
    keys = list(LABELS)
    for key in keys:
        value = res.get(key)
        shown = "null (not implemented)" if value is None else value
        out.append(f"| {LABELS[key]} (`{key}`) | {shown} | {goal(key, value, res)} |")
    before_file = Path(__file__).resolve().parent / "results-before-issue-19.json"
    if before_file.exists():
        before = json.loads(before_file.read_text(encoding="utf-8"))
        out += ["", "### Before and after", "",
                "The same command at commit c5f6f00, the last one on aiogram "
                "(`benchmarks/results-before-issue-19.json`; another day, another load on the "
                "machine: compare the ratios, not the absolute figures; memory per "
                "conversation was then read on the first batch of new chats, one-off growth "
                "included; the run of c511f8d, before the records of the memory store were "
                "packed, read it on one batch after that first one: 947 and 138 KiB per 1,000 in "
                "memory and Redis mode):", "",
                "| measure | before | now |", "|---|---|---|"]
        for key in keys:
            if key in before and key != "echo_idle_rss_mib":
                out.append(f"| {LABELS[key]} | {before[key]} | {res.get(key)} |")
    out += ["", "## Details", "", "### Saturated throughput", "",
            "| bot | updates/s (median) | each round | CPU ms per update | ratio ours / bot "
            "(spread) |", "|---|---|---|---|---|"]
    from run import ratios

    for name, block in tp.items():
        ours = "ours-redis" if name.endswith("-redis") else "ours"
        r = ("" if name.startswith("ours") and name in ("ours", "ours-redis") else
             "{median} ({spread[0]}–{spread[1]})".format(**ratios(tp, ours, name)))
        out.append(f"| {name} | {block['updates_per_s']} | {block['updates_per_s_of_each_round']}"
                   f" | {block['cpu_ms_per_update']} | {r} |")
    out += ["", "### Latency and CPU at a fixed rate", "",
            "| rate | bot | p50 ms | p99 ms (each round) | CPU ms per update (each round) |",
            "|---|---|---|---|---|"]
    for rate, group in off.items():
        for name, b in group.items():
            out.append(f"| {rate}/s | {name} | {b['p50_ms']} | {b['p99_ms']} "
                       f"({b['p99_ms_of_each_round']}) | {b['cpu_ms_per_update']} "
                       f"({b['cpu_ms_per_update_of_each_round']}) |")
    out += ["", "### Start-up and memory", "",
            "| bot | start-up to ready, s (each) | idle RSS MiB | idle USS MiB |",
            "|---|---|---|---|"]
    for name, b in st.items():
        out.append(f"| {name} | {b['startup_s']} ({b['startup_s_of_each_round']}) | "
                   f"{b['idle_rss_mib']} | {b['idle_uss_mib']} |")
    out += ["", "Start-up is from the process's launch to its `setWebhook` call, each bot "
            "started alone (one untimed start first warms the OS cache and the model cache).",
            "", "| bot | new conversations measured | RSS growth KiB | KiB per 1,000 | "
            "KiB per 1,000, each batch | RSS at the end, MiB |", "|---|---|---|---|---|---|"]
    for name, b in conv.items():
        out.append(f"| {name} | {b['conversations']:,} | {b['rss_growth_kib']} | "
                   f"{b['kib_per_1k']} | {b.get('kib_per_1k_of_each_batch', '')} | "
                   f"{b.get('rss_after_mib', '')} |")
    warm = next(iter(conv.values()), {}).get("warm_conversations")
    out += ["", "Each new conversation: `/start`, a press, a typed text. "
            + (f"The first {warm:,} new conversations, not measured, take " if warm else
               "A first batch of new conversations, not measured, takes ")
            + "the one-off growth (allocator arenas and the C heap settling, buffers, "
            "caches reaching their size: with Redis, our bot's RSS stopped growing after about "
            "15,000 new conversations in a longer run of the same load); the RSS of the bot "
            "process is then read after each of the next batches, and the figure is the "
            "growth over all of them per conversation, so it is what each conversation keeps: "
            "flood-control counts included (they expire with the window). One batch alone "
            "moves by a few hundred "
            "KiB per 1,000 whenever a table doubles or the allocator takes an arena (the "
            "column \"each batch\"). The last column is the process's whole RSS once every "
            "phase of the run is over (its conversations still in memory where the bot keeps "
            "them there). The floor answers \"ok\" but aiogram's stock dispatcher keeps an FSM "
            "record per chat in memory."]
    heap = res.get("heap_bytes_per_conversation")
    if heap:
        out += ["", f"Of that, the bot's own Python heap (`benchmarks/heap.py`: the same "
                f"conversations fed in process, `tracemalloc` over 5,000 new ones): "
                f"**{heap['memory']} bytes per conversation in memory mode** (the chat's "
                f"record in the store), **{heap['redis']} bytes with Redis** (nothing per "
                "chat stays in the process). The rest of the RSS growth is the C allocator's "
                "(arenas and buffers it keeps), which no Python object holds."]
    if rc:
        out += ["", "### Redis commands per update", "", "| bot | per update | by command |",
                "|---|---|---|"]
        for name, b in rc.items():
            detail = ", ".join(f"{k} {v}" for k, v in b["by_command"].items())
            out.append(f"| {name} | {b['per_update']} | {detail} |")
        out += ["", "Counted with `INFO commandstats` on each bot's private redis-server over "
                "the saturated-throughput rounds (INFO itself left out). Redis counts the "
                "commands a Lua script runs as well: ours sends two `EVALSHA` per update (two "
                "round trips: open = lock + \"handled?\" + read; close = write + message ids + "
                "\"handled\" + unlock, since issue 14), which run the `get`, `set`, `expire`, "
                "`exists`, `rpush`, `ltrim` and `del` listed; aiogram-dialog's are separate "
                "round trips, with no lock."]
    out += ["", "### Requests to the Bot API per update", "", "| bot | per update |",
            "|---|---|"]
    for name, calls in res["calls_per_update"].items():
        out.append(f"| {name} | {', '.join(f'{k} {v}' for k, v in calls.items())} |")
    out += ["", "## Where the cost goes: measured levers", ""]
    lever = []
    if "ours-uvloop" in tp:
        lever.append(("uvloop, ours", rel(tp["ours-uvloop"]["updates_per_s"],
                                          tp["ours"]["updates_per_s"]),
                      rel(off["300"]["ours-uvloop"]["cpu_ms_per_update"],
                          off["300"]["ours"]["cpu_ms_per_update"])))
        lever.append(("uvloop, echo bot", rel(tp["echo-uvloop"]["updates_per_s"],
                                              tp["echo"]["updates_per_s"]),
                      rel(off["300"]["echo-uvloop"]["cpu_ms_per_update"],
                          off["300"]["echo"]["cpu_ms_per_update"])))
    if lever:
        out += ["| change | saturated throughput | CPU per update at "
                "300/s |", "|---|---|---|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in lever]
        out.append("")
    rs, th = res["rasa_sdk"], res["throttle"]
    out += [f"- rasa_sdk in the bot process: importing it and building the action executor "
            f"costs {rs['rasa_sdk_import_ms']} ms and {rs['rasa_sdk_rss_mib']} MiB of RSS "
            "(measured after aiohttp, numpy and the engine are loaded).",
            f"- Flood control: with Redis, a count per chat in Redis (nothing in the process); "
            f"the process's own `Throttle` (used only while Redis cannot count) costs "
            f"{th['throttle_kib_per_1k_active_chats']} KiB per 1,000 chats active within its "
            f"{th['throttle_window_s']:g} s window (tracemalloc); in memory mode the count is "
            "part of the chat's record in the store.",
            *([f"- In all {res['cldr']['languages']} languages, each language's own name (the "
               "language menu), the day names and a time (opening hours): read from "
               "`locales/cldr.json` "
               f"they cost {res['cldr']['file_ms']} ms and {res['cldr']['file_rss_mib']} MiB; "
               f"from Babel, as before, {res['cldr']['babel_ms']} ms and "
               f"{res['cldr']['babel_rss_mib']} MiB of RSS (its locale data), for the same "
               "words" + ("" if res["cldr"]["same_words"] else " (**not the same words**)")
               + " (`bot/engine/cldr.py`)."] if res.get("cldr") else []),
            "- `WORKERS` (pre-forked webhook workers sharing one socket): the unique memory "
            f"of one more worker is {res.get('extra_worker_uss_mib')} MiB "
            "(`benchmarks/workers.py`: the larger of two workers' USS after 600 updates spread "
            "over both"
            + (", {} MiB each when ready, before any update".format(
                " and ".join(f"{w['uss'] / 1024:.1f}" for w in res["workers_idle"]))
               if res.get("workers_idle") else "")
            + "; the content is loaded, the Redis client imported and both frozen for the "
            "garbage collector before the fork).",
            ""]
    out += ["## The Redis client (issue 14)", "",
            "Since issue 14 an update with Redis is two Lua scripts through redis-py's asyncio "
            "client (open: per-chat lock, \"handled already?\", state GET; close: message-id "
            "append, state SET, update marked, lock released) instead of one GET and one SET "
            "over the hand-written `resp.py` client (one multiplexed connection; a GET cost "
            "45 µs there against 133 µs through redis-py). The ordering per chat across "
            "replicas and the complete /forget cost about 0.2 ms more per update, measured "
            "then with an in-process benchmark since removed (old 0.58 ms, new 0.80 ms per "
            "update on a calm run). Round trips per update stay two (see above, INFO "
            "commandstats); since issue 19 the `OPEN` script also counts the chat's messages "
            "for flood control (an `INCR`, and a `PEXPIRE` on the first of a window).", ""]
    return "\n".join(out)
