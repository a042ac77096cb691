"""Property-based tests: random event sequences never crash the engine or the adapter,
every typed message gets a reply that offers help, state stays small; random YAML never
gives a traceback."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Choice, Engine, decode, step
from bot.engine.loader import load_bundle, load_flow
from bot.engine.problems import Report
from bot.engine.state import (
    Command,
    Event,
    Location,
    Media,
    Press,
    Start,
    State,
    Text,
)
from bot.engine.yamlsrc import load_yaml

from .conftest import NOW, ROOT

HELP = "🆘"
RTL_AND_INVISIBLE = "\u200f\u200e\u202e\u2066\u2069\u200b\ufeff"
texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(["sextorsion", "nudes", "je veux mourir", "مرحبا", "你好", "5000",
                     "il me frappe", "c'est quoi le grooming", "", " ", "/" * 30]),
    st.text(alphabet=RTL_AND_INVISIBLE + "abcé ", max_size=40),
)


def choices(engine: Engine) -> st.SearchStrategy[Choice | None]:
    version = engine.bundle.version
    n = len(engine.bundle.node_keys)
    return st.one_of(
        st.none(),
        # callback data as a button, an older bot or a forger would write it
        st.builds(lambda a, b, c: decode(f"g:{a}:{b}:{c}"),
                  st.sampled_from([version, "zzzz", ""]), st.integers(-2, n + 5),
                  st.integers(-1, 12)),
        st.builds(lambda a, b: decode(f"o:{a}:{b}"), st.sampled_from([version, "0000"]),
                  st.integers(-1, n + 5)),
        st.builds(lambda a: decode(f"x:{a}"), st.sampled_from(["h", "m", "k", "?"])),
        st.builds(lambda a: decode(f"l:{a}"), st.sampled_from(["fr", "ar", "xx", "pcm"])),
        st.builds(lambda i: decode(f"p:{version}:{i}"), st.integers(-1, 8)),
    )


def events(engine: Engine) -> st.SearchStrategy[Event]:
    return st.one_of(
        st.builds(Start, st.text(max_size=10), st.sampled_from([None, "fr", "ar", "zh-hans"])),
        st.builds(Command, st.sampled_from(["menu", "help", "language", "sos", "forget",
                                            "privacy", "saj", "start", "nope", "SOS"]),
                  texts),
        st.builds(Press, choices(engine)),
        st.builds(Text, texts, st.sampled_from([None, "fr", "nl", "fa"])),
        st.builds(Location, st.floats(-90, 90), st.floats(-180, 180)),
        st.builds(Media, st.sampled_from(["photo", "video", "sticker", "voice", "poll"])),
    )


def offers_help(turn_replies: tuple[object, ...]) -> bool:
    return all(any(HELP in b.label for row in r.buttons for b in row)  # type: ignore[attr-defined]
               for r in turn_replies)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_event_sequences_through_the_engine(engine: Engine, data: st.DataObject) -> None:
    state: State | None = None
    for _ in range(data.draw(st.integers(1, 12))):
        event = data.draw(events(engine))
        turn = step(engine, state, event, NOW)
        if isinstance(event, Text) and turn.pending is None:
            assert turn.replies, event
        assert offers_help(turn.replies)
        state = turn.state
        assert len(state.to_json().encode()) < 1500
        assert State.from_json(state.to_json()) == state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_random_sequences_through_the_dialog_with_actions(engine: Engine,
                                                                data: st.DataObject) -> None:
    from bot.dialog import Dialog

    dialog = Dialog(engine, _runner())
    state: State | None = None
    for _ in range(data.draw(st.integers(1, 6))):
        event = data.draw(events(engine))
        turn = await dialog.handle(state, event, NOW)
        assert turn.pending is None
        if isinstance(event, Text | Location):
            assert turn.replies
        assert offers_help(turn.replies)
        state = turn.state


_RUNNER: list[object] = []


def _runner():  # type: ignore[no-untyped-def]
    from bot.actions_runner import RasaActionRunner

    if not _RUNNER:
        _RUNNER.append(RasaActionRunner())
    return _RUNNER[0]


YAML_PIECES = st.sampled_from([
    "id: f\n", "audience: young\n", "title: T\n", "start: a\n", "nodes:\n", "  a:\n",
    "    say: x\n", "    buttons:\n", "      - {text: b, goto: a}\n", "      - text: [\n",
    "\t", ": :", "- - -", "say: 'unclosed", "&a x", "*a", "!!python/object:os.system x",
    "    say: {}\n", "  b: 5\n", "id: 3\n", "nodes: []\n", "\x00", "é", "{{", "}}",
])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(YAML_PIECES, max_size=14), noise=st.text(max_size=30))
def test_random_yaml_loads_or_reports_with_a_position(pieces: list[str], noise: str) -> None:
    text = "".join(pieces) + noise
    report = Report()
    flow = load_flow(load_yaml(text, "fuzz.yaml", report), "fuzz.yaml", report)
    assert flow is not None or report.problems
    for problem in report.problems:
        assert str(problem).startswith("fuzz.yaml")
        assert problem.rule and problem.message


def test_mutated_real_flow_files_load_or_report(tmp_path: Path) -> None:
    """Deterministic mutations of a real file through the whole loader (slower path)."""
    source = (ROOT / "flows" / "young" / "sextortion.yaml").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    mutations = [
        source.replace("goto: what_now", "goto: what_nwo", 1),
        "".join(lines[: len(lines) // 2]),
        source.replace("  ", "\t", 3),
        source.replace("say:", "say: [", 1),
        source + "\nnodes: {}\n",
        source.replace("id: sextortion", "id: Sextortion!", 1),
    ]
    path = tmp_path / "sextortion.yaml"
    for text in mutations:
        path.write_text(text.replace("id: sextortion", "id: sextortion_copy", 1),
                        encoding="utf-8")
        _, report = load_bundle(ROOT / "flows", [path])
        mine = [p for p in report.problems if p.pos.file == str(path)]
        assert mine, text[:80]
        assert all(p.pos.line >= 1 or p.rule == "yaml-syntax" for p in mine)



def _vocabulary(engine: Engine) -> list[str]:
    phrases = [p for cat in engine.bundle.crisis.categories.values() for ps in cat.values()
               for p in ps]
    return sorted({w for p in phrases for w in p.replace("*", "").split()})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_phrase_index_agrees_with_trying_every_phrase(engine: Engine,
                                                      data: st.DataObject) -> None:
    from bot.engine.text import Pattern, PhraseIndex, normalize

    vocab = _vocabulary(engine)
    words = data.draw(st.lists(st.one_of(st.sampled_from(vocab), st.text(max_size=8)),
                               max_size=10))
    # typos: drop, double or swap a letter in some words
    mutated = []
    for original in words:
        op = data.draw(st.integers(0, 3))
        k = data.draw(st.integers(0, max(len(original) - 1, 0)))
        word = original
        if op == 1 and word:
            word = word[:k] + word[k + 1:]
        elif op == 2 and word:
            word = word[:k] + word[k] + word[k:]
        elif op == 3 and len(word) > 1 and k + 1 < len(word):
            word = word[:k] + word[k + 1] + word[k] + word[k + 2:]
        mutated.append(word)
    tokens = normalize(" ".join(mutated)).split()
    phrases = [("c", Pattern.compile(p)) for cat in engine.bundle.crisis.categories.values()
               for ps in cat.values() for p in ps]
    index = PhraseIndex(phrases)
    fast = {p.source for _, p in index.find(tokens)}
    slow = {p.source for _, p in phrases if p.matches(tokens)}
    assert fast == slow


def _callback_data(choice: Choice | None, junk: str, pack: object) -> str:
    """Valid callback data for a choice when it can be packed, else arbitrary junk."""
    if choice is None:
        return junk
    try:
        return str(pack(choice))  # type: ignore[operator]
    except (ValueError, TypeError):
        return junk


UPDATE_TEXTS = st.one_of(texts, st.sampled_from(["/start", "/menu", "/forget", "/saj 5000",
                                                 "/language", "/xyz", "/sos"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_random_updates_through_the_telegram_adapter(engine: Engine,
                                                          data: st.DataObject) -> None:
    """Random messages, callbacks (valid, stale, forged), media and locations through
    Updates.feed: never an exception, every text message gets an answer."""
    from bot.dialog import Dialog
    from bot.engine import encode as pack
    from bot.store import MemoryStateStore
    from bot.telegram.api import BotApi
    from bot.telegram.app import build_updates
    from bot.telegram.service import BotService

    from .fakes.session import CHAT, RecordingSession

    session = RecordingSession()
    bot = BotApi("123456:FUZZ-xxxxxxxxxxxxxxxxxxxxxxxxx", session)
    service = BotService(Dialog(engine, _runner()), MemoryStateStore(), b"k", clock=lambda: NOW)
    dispatcher = build_updates(service)
    user = {"id": CHAT["id"], "is_bot": False, "first_name": "x",
            "language_code": data.draw(st.sampled_from(["fr", "ar", "zz", None]))}
    for i in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(["text", "callback", "photo", "location", "sticker"]))
        msg = {"message_id": i + 1, "date": 1700000000, "chat": CHAT, "from": user}
        if kind == "text":
            payload = {"message": {**msg, "text": data.draw(UPDATE_TEXTS) or "."}}
        elif kind == "callback":
            raw = _callback_data(data.draw(choices(engine)), data.draw(st.text(max_size=70)),
                                 pack)
            payload = {"callback_query": {"id": str(i), "from": user, "chat_instance": "c",
                                          "data": raw, "message": {**msg, "text": "x"}}}
        elif kind == "photo":
            payload = {"message": {**msg, "photo": [{"file_id": "f", "file_unique_id": "u",
                                                     "width": 1, "height": 1}]}}
        elif kind == "location":
            payload = {"message": {**msg, "location": {
                "latitude": data.draw(st.floats(-90, 90)),
                "longitude": data.draw(st.floats(-180, 180))}}}
        else:
            payload = {"message": {**msg, "sticker": {
                "file_id": "s", "file_unique_id": "u", "type": "regular", "width": 1,
                "height": 1, "is_animated": False, "is_video": False}}}
        before = len(session.calls)
        update = {"update_id": i, **payload}
        await dispatcher.feed(bot, update)
        sent = session.methods()[before:]
        if kind in ("text", "location", "photo"):
            assert "SendMessage" in sent, (kind, payload)
        if kind == "callback":
            assert sent and sent[0] == "AnswerCallbackQuery"
