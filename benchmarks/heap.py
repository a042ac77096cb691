#!/usr/bin/env python
"""What one conversation keeps in the bot process's Python heap, in memory mode and with
Redis: the updates of ``run.py``'s conversations (/start, a press, a typed text) fed to the
real update router and service in this process, with a Bot API transport that answers at
once, and ``tracemalloc`` read before and after 5,000 new conversations (after 2,000 untimed
ones, so caches have their size).

    .venv/bin/python benchmarks/heap.py     # prints the figures, writes heap_bytes_per_conversation

The RSS figures of ``run.py`` hold this plus what the C allocator keeps (arenas, buffers);
this one is the part that is the bot's own. Redis runs on a private redis-server.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from private_redis import PrivateRedis  # noqa: E402

TOKEN = "123456:BENCH-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
WARM, MEASURED = 2000, 5000


class Instant:
    """A Bot API that answers at once, remembering each chat's last callback data only."""

    def __init__(self) -> None:
        self.next_id = 1000
        self.last: dict[int, list[str]] = {}

    async def post(self, method: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        params = json.loads(body)
        markup = params.get("reply_markup")
        if markup:
            self.last[params["chat_id"]] = [b["callback_data"] for row in
                                            markup["inline_keyboard"] for b in row
                                            if "callback_data" in b]
        result: Any = True
        if method in ("sendMessage", "sendVenue"):
            self.next_id += 1
            result = {"message_id": self.next_id}
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def close(self) -> None:
        return None


async def per_conversation(redis_url: str | None) -> float:
    from bot.config import Settings
    from bot.store import MemoryStateStore
    from bot.telegram.api import BotApi
    from bot.telegram.app import build_engine, build_service, build_updates, open_store

    settings = Settings.load({"BOT_TOKEN": TOKEN, "STATS": "0",
                              **({"REDIS_URL": redis_url} if redis_url else {})})
    store, _ = await open_store(settings) if redis_url else (MemoryStateStore(), None)
    service = build_service(settings, build_engine(settings), store, None)
    updates = build_updates(service, answer_in_response=True)
    api = Instant()
    bot = BotApi(TOKEN, api)
    rng = random.Random(7)
    update_id = 0

    async def conversation(chat: int) -> None:
        nonlocal update_id
        user = {"id": chat, "is_bot": False, "first_name": "x", "language_code": "fr"}
        where = {"id": chat, "type": "private"}
        for kind in ("start", "press", "text"):
            update_id += 1
            if kind == "press":
                data = rng.choice(api.last.get(chat) or ["x:m"])
                update: dict[str, Any] = {"update_id": update_id, "callback_query": {
                    "id": str(update_id), "from": user, "chat_instance": "1", "data": data,
                    "message": {"message_id": api.next_id, "chat": where, "date": 1}}}
            else:
                update = {"update_id": update_id, "message": {
                    "message_id": update_id, "chat": where, "from": user, "date": 1,
                    "text": "/start" if kind == "start" else "on me fait du chantage"}}
            await updates.feed(bot, update)
        api.last.pop(chat, None)

    for i in range(WARM):
        await conversation(1_000_000 + i)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(MEASURED):
        await conversation(2_000_000 + i)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    await store.close()
    return round(grown / MEASURED, 1)


def main() -> dict[str, float | None]:
    out: dict[str, float | None] = {"memory": asyncio.run(per_conversation(None))}
    with PrivateRedis() as redis:
        out["redis"] = asyncio.run(per_conversation(redis.url)) if redis.url else None
    return out


if __name__ == "__main__":
    figures = main()
    print(json.dumps(figures))
    results = HERE / "results.json"
    if results.exists():
        data = json.loads(results.read_text(encoding="utf-8"))
        data["heap_bytes_per_conversation"] = figures
        results.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"heap_bytes_per_conversation written to {results}")
