"""The default (in-process) store: expiry, bounds, handled updates, flood control, and what
a chat costs in memory."""

from __future__ import annotations

import tracemalloc
from array import array

from bot.engine.state import State
from bot.limits import Flood
from bot.store import MemoryStateStore, chat_key
from bot.store.base import IDS_LIMIT, done_key
from bot.store.memory import DONE_KEEP, compact


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def test_state_and_ids_expire_together_and_leave_memory() -> None:
    clock = Clock()
    store = MemoryStateStore(clock=clock, sweep_every=1)
    opened = await store.open_update("fwb:s:a", None)
    await store.close_update("fwb:s:a", opened, State(lang="nl"), [1, 2], 60, None)
    clock.t += 30
    await store.append_ids("fwb:s:a", [3], 60)  # moves both deadlines
    clock.t += 45
    assert await store.get("fwb:s:a") == State(lang="nl")
    clock.t += 16
    assert await store.get("fwb:s:a") is None
    assert await store.forget("fwb:s:a") == []
    await store.set("fwb:s:b", State(), 60)  # a write lets the expired chats at the front go
    assert list(store._chats) == [compact("fwb:s:b")] and len(store) == 1
    many = MemoryStateStore(clock=clock)  # by default, every 1,024 writes
    for n in range(1000):
        await many.set(f"fwb:s:{n}", State(), 60)
    clock.t += 61
    for n in range(30):
        await many.set(f"fwb:s:new{n}", State(), 60)
    assert len(many._chats) == 30  # the 24th new write swept the 1,000 expired ones


async def test_the_oldest_chats_go_first_past_the_bound() -> None:
    store = MemoryStateStore(max_chats=3)
    for name in "abcd":
        await store.set(f"fwb:s:{name}", State(), 60)
    await store.set("fwb:s:b", State(lang="de"), 60)  # b is now the newest
    await store.set("fwb:s:e", State(), 60)
    assert list(store._chats) == [compact(f"fwb:s:{n}") for n in "dbe"]


async def test_handled_updates_are_remembered_ten_minutes_the_last_sixteen() -> None:
    """(At least ten minutes: as long as the chat's state, which each update renews.)"""
    clock = Clock()
    store = MemoryStateStore(clock=clock)
    key = chat_key(42, b"k")
    done = [done_key(key, n, b"k") for n in range(DONE_KEEP + 1)]
    for d in done:
        opened = await store.open_update(key, d)
        assert not opened.duplicate
        await store.close_update(key, opened, None, [], 60, d)
    assert (await store.open_update(key, done[-1])).duplicate
    assert (await store.open_update(key, done[1])).duplicate
    assert not (await store.open_update(key, done[0])).duplicate  # the oldest was let go
    assert not (await store.open_update(key, done_key(chat_key(7, b"k"), 16, b"k"))).duplicate
    clock.t += 601
    assert not (await store.open_update(key, done[-1])).duplicate


async def test_flood_control_counts_a_window_and_skips_replays() -> None:
    clock = Clock()
    store = MemoryStateStore(clock=clock)
    verdicts = []
    for n in range(5):
        d = done_key("fwb:s:f", n, b"k")
        opened = await store.open_update("fwb:s:f", d, (2, 10.0))
        verdicts.append(opened.flood)
        await store.close_update("fwb:s:f", opened, None, [], 60, d)
    assert verdicts == [Flood.OK, Flood.OK, Flood.WARN, Flood.DROP, Flood.DROP]
    replay = await store.open_update("fwb:s:f", done_key("fwb:s:f", 4, b"k"), (2, 10.0))
    assert replay.duplicate and replay.flood is Flood.OK  # not counted
    clock.t += 10.5
    assert (await store.open_update("fwb:s:f", None, (2, 10.0))).flood is Flood.OK


async def test_forget_returns_every_id_and_ids_are_bounded() -> None:
    store = MemoryStateStore()
    await store.append_ids("fwb:s:g", list(range(IDS_LIMIT + 5)), 60)
    await store.set("fwb:s:g", State(message_ids=(7,)), 60)  # ids of an older version
    ids = await store.forget("fwb:s:g")
    assert ids[0] == 7 and ids[1:] == list(range(5, IDS_LIMIT + 5))
    assert await store.get("fwb:s:g") is None and await store.forget("fwb:s:g") == []


async def test_a_chat_costs_under_450_bytes() -> None:
    store = MemoryStateStore()
    state = State(lang="fr", lang_chosen=True, audience="young", at="sextortion:what_now",
                  back=("menu:young", "sextortion:start"), greeted=True, live=1003)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(2000):
        key = chat_key(n, b"k")
        for u in range(3):  # /start, a press, a typed text
            d = done_key(key, 3 * n + u, b"k")
            opened = await store.open_update(key, d, (8, 10.0))
            await store.close_update(key, opened, state, [10_000 + n, 20_000 + n], 86400, d)
    per_chat = (tracemalloc.get_traced_memory()[0] - before) / 2000
    tracemalloc.stop()
    # about 410 (one packed record, its key, its place in the table); it was 600 with a
    # record object holding a field per kind, 1,450 with a table per kind
    assert per_chat < 450, per_chat


def test_keys_are_kept_as_their_digest() -> None:
    key = chat_key(555001, b"k")
    assert compact(key) == bytes.fromhex(key[6:]) and len(compact(key)) == 12
    assert compact("fwb:s:not-hex-but-thirty-chars") == b"fwb:s:not-hex-but-thirty-chars"
    assert compact("other") == b"other"


async def test_a_write_after_expiry_starts_afresh() -> None:
    """Ids and handled updates that expired do not come back with the next write."""
    clock = Clock()
    store = MemoryStateStore(clock=clock)
    await store.append_ids("fwb:s:h", [1, 2], 60)
    opened = await store.open_update("fwb:s:h", "u1")
    await store.close_update("fwb:s:h", opened, None, [], 60, "u1")
    clock.t += 601
    await store.set("fwb:s:h", State(lang="de"), 60)
    assert not (await store.open_update("fwb:s:h", "u1")).duplicate
    assert await store.forget("fwb:s:h") == []


async def test_a_record_keeps_every_field_through_packing() -> None:
    """Each field survives a write and a read, at its bounds: IDS_LIMIT ids, DONE_KEEP
    handled updates, a flood count past what 32 bits hold, a state with non-ASCII text."""
    from bot.store.memory import _Chat

    chat = _Chat(123.5, "{\"l\":\"ti\",\"s\":{\"p\":\"ኣስመራ\"}}".encode(),
                 array("q", range(-3, IDS_LIMIT - 3)).tobytes(), bytes(range(8 * DONE_KEEP)),
                 99.25, 2**40)
    back = _Chat.load(chat.pack())
    assert (back.expires, back.state, back.ids, back.done, back.flood_start) == (
        chat.expires, chat.state, chat.ids, chat.done, chat.flood_start)
    assert back.flood_count == 2**32 - 1  # held at the top, still past any limit
    assert list(array("q", back.ids))[:2] == [-3, -2] and len(back.ids) == 8 * IDS_LIMIT
    assert State.from_json(back.state).slots == {"p": "ኣስመራ"}
    assert _Chat.load(_Chat().pack()).state == b""
