"""The step function through the dialog driver, on the real content."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialog import Dialog
from bot.engine import Engine, GoTo, Open, SetLanguage, step
from bot.engine.state import (
    BACK_LIMIT,
    MESSAGE_IDS_LIMIT,
    Command,
    DeleteIncoming,
    Forget,
    Location,
    Media,
    Press,
    Start,
    State,
    Text,
)

from .helpers import Chat, button, labels

HELP, HOME, BACK = "🆘 Aide maintenant", "🏠 Accueil", "⬅️ Retour"


async def test_start_greets_says_it_is_a_bot_and_asks_who(dialog: Dialog, now: dt.datetime
                                                          ) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start())
    assert chat.nodes == ["start:start"]
    assert "assistant automatique" in chat.last.text
    assert "pas un service d'urgence" in chat.last.text
    assert "🚪 Quitter" in chat.last.text  # how to erase everything, at once
    assert HELP in labels(chat.last) and HOME in labels(chat.last)
    assert BACK not in labels(chat.last)  # nothing to go back to yet


async def test_every_screen_offers_help_and_home(dialog: Dialog, engine: Engine,
                                                 now: dt.datetime) -> None:
    for key in engine.bundle.node_keys:
        chat = Chat(dialog, now, State(at="start:start", back=("start:start",)))
        index = engine.bundle.node_index[key]
        await chat.send(Press(Open(engine.bundle.version, index)))
        assert chat.nodes[-1] == key
        if key == "system:exited":  # the quick exit's last line: nothing about help on it
            assert labels(chat.last) == [] and len(chat.last.text.splitlines()) == 1
            continue
        assert HELP in labels(chat.last) and HOME in labels(chat.last), key
        if chat.state is not None and chat.state.audience != "pro":
            assert labels(chat.last)[-1] == "🚪 Quitter", key


async def test_young_path_back_and_home(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start())
    await chat.press("Je suis un ou une jeune")
    assert chat.nodes == ["menu:young"] and chat.state and chat.state.audience == "young"
    await chat.press("On me fait du chantage")
    assert chat.nodes == ["sextortion:start"]
    assert chat.last.protect  # sensitive explanations cannot be forwarded
    await chat.press(BACK)
    assert chat.nodes == ["menu:young"]
    await chat.press("On me fait du chantage")
    await chat.press(HOME)
    assert chat.nodes == ["menu:young"]
    assert BACK not in labels(chat.last)


async def test_help_now_opens_emergency_with_numbers(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start())
    await chat.press(HELP)
    assert chat.nodes == ["emergency:start"]
    for number in ("112", "101", "103"):
        assert number in chat.last.text


@pytest.mark.parametrize("text,category", [
    ("je veux mourir", "suicide"),
    ("il me frappe, aide moi", "danger"),
    ("je dors dehors ce soir", "runaway"),
])
async def test_crisis_comes_first_even_mid_flow(dialog: Dialog, now: dt.datetime, text: str,
                                                category: str) -> None:
    chat = Chat(dialog, now, State(at="saj:find", slots={"ask": "saj:find"}))
    await chat.send(Text(text))
    assert chat.nodes == [f"emergency:{category}"]
    assert "112" in chat.last.text
    assert BACK in labels(chat.last)  # offers to continue where the user was


@pytest.mark.parametrize("text,flow", [
    ("il menace de publier mes photos si je paye pas", "sextortion"),
    ("c'est quoi le grooming", "grooming"),
    ("mon copain veut que je sorte avec ses amis pour de l'argent", "loverboys"),
    ("sexto", "sexting"),
])
async def test_typed_text_reaches_the_flow(dialog: Dialog, now: dt.datetime, text: str,
                                           flow: str) -> None:
    chat = Chat(dialog, now, State(audience="young"))
    await chat.send(Text(text))
    assert chat.nodes[0].startswith(f"{flow}:"), chat.nodes


async def test_ordinary_joke_is_not_a_crisis(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Text("je suis mort de rire"))
    assert not chat.nodes[0].startswith("emergency:")


async def test_unknown_text_offers_the_menu_rather_than_guessing(dialog: Dialog,
                                                                 now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(audience="young"))
    await chat.send(Text("azertyuiop"))
    assert chat.nodes == ["system:not_understood"]
    assert "On me fait du chantage" in labels(chat.last)


async def test_stale_version_and_forged_data_land_on_the_menu(dialog: Dialog,
                                                              now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(audience="pro"))
    await chat.send(Press(GoTo("zzzz", 1, 0)))
    assert chat.nodes == ["system:stale"]
    assert "Indicateurs" in labels(chat.last)
    await chat.send(Press(None))
    assert chat.nodes == ["system:stale"]
    await chat.send(Press(GoTo(dialog.engine.bundle.version, 99999, 0)))
    assert chat.nodes == ["system:stale"]
    await chat.send(Press(SetLanguage("xx")))
    assert chat.nodes == ["system:stale"]


async def test_media_is_deleted_and_explained(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    turn = await chat.send(Media("photo"))
    assert chat.nodes == ["system:media_deleted"]
    assert any(isinstance(e, DeleteIncoming) for e in turn.effects)
    assert "116 000" in chat.last.text  # Child Focus, for images that circulate


async def test_sticker_gets_the_screen_back_not_an_error(dialog: Dialog,
                                                         now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    turn = await chat.send(Media("sticker"))
    assert chat.nodes == ["start:start"]  # no conversation yet: the welcome, with its buttons
    assert not any(isinstance(e, DeleteIncoming) for e in turn.effects)
    turn = await chat.send(Media("dice"))  # anything else: a kind word, never an error
    assert chat.nodes == ["system:unsupported"]


async def test_forget_erases_state(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now, State(lang="fr", audience="young", at="sexting:start",
                                   back=("menu:young",), message_ids=(1, 2, 3)))
    turn = await chat.send(Command("forget"))
    assert any(isinstance(e, Forget) for e in turn.effects)
    assert turn.state == State()
    assert chat.nodes == ["system:forgotten"]


async def test_unknown_command(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Command("whatever"))
    assert chat.nodes == ["system:unknown_command"]


async def test_five_thousand_characters_are_cut_not_crashed(dialog: Dialog,
                                                            now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Text("sextorsion " + "a" * 5000))
    assert chat.nodes and chat.state is not None
    assert len(chat.state.to_json()) < 300


async def test_back_stack_is_bounded(dialog: Dialog, engine: Engine, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Start())
    for key in engine.bundle.node_keys[:40]:
        await chat.send(Press(Open(engine.bundle.version, engine.bundle.node_index[key])))
    assert chat.state is not None and len(chat.state.back) <= BACK_LIMIT


def test_state_round_trips_as_small_json() -> None:
    state = State(lang="ar", lang_chosen=True, audience="young", at="sexting:start",
                  back=("menu:young",), slots={"ask": "saj:find"}, greeted=True,
                  message_ids=(5, 6))
    raw = state.to_json()
    assert State.from_json(raw) == state
    assert len(raw.encode()) < 200
    assert json.loads(raw)["l"] == "ar"


@given(st.lists(st.integers(min_value=1, max_value=2**31), max_size=300))
def test_message_ids_are_stored_as_runs_and_read_back(ids: list[int]) -> None:
    kept = tuple(ids[-MESSAGE_IDS_LIMIT:])
    assert State.from_json(State(message_ids=kept).to_json()).message_ids == kept


def test_a_long_conversation_stays_small() -> None:
    """A private chat numbers messages one after the other: 200 ids are a few runs."""
    ids = (*range(1000, 1150), *range(1152, 1202))
    raw = State(at="sextortion:what_now", message_ids=ids).to_json()
    assert json.loads(raw)["m"] == [[1000, 1149], [1152, 1201]]
    assert len(raw) < 80
    forged = State.from_json('{"m": [[1, 999999999]]}').message_ids  # bounded, not a billion
    assert len(forged) == MESSAGE_IDS_LIMIT and forged[-1] == 999999999


@pytest.mark.parametrize("raw", [None, "", "{", "[]", '{"b": 5}', '{"m": ["x"]}', b"\xff",
                                 '{"m": [[1, "x"]]}', '{"m": {"a": 1}}'])
def test_corrupt_state_gives_a_fresh_one(raw: str | bytes | None) -> None:
    assert State.from_json(raw) == State()


def test_step_is_pure_and_deterministic(engine: Engine, now: dt.datetime) -> None:
    state = State(audience="young", at="menu:young")
    first = step(engine, state, Text("nudes"), now)
    second = step(engine, state, Text("nudes"), now)
    assert first == second
    assert state == State(audience="young", at="menu:young")


async def test_saj_finder_by_postcode_and_ambiguity(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Command("saj", "5000"))
    assert chat.nodes == ["system:saj_found"]
    assert "SAJ de Namur" in chat.last.text
    await chat.send(Command("saj"))
    assert chat.nodes == ["saj:find"]
    await chat.send(Text("braine l alleud"))
    assert chat.nodes == ["system:saj_found"] and "Nivelles" in chat.last.text
    await chat.send(Command("saj", "4700"))
    assert chat.nodes == ["system:saj_dg"]
    await chat.send(Command("saj", "9000"))
    assert chat.nodes == ["system:saj_flanders"]
    await chat.send(Location(51.6, 2.5))
    assert chat.nodes == ["system:saj_outside"]
    await chat.send(Command("saj", "$$$"))
    assert chat.nodes == ["system:saj_not_found"]
    assert chat.state is not None and chat.state.slots == {"ask": "saj:find"}


async def test_nothing_typed_is_kept_in_state(dialog: Dialog, now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Command("saj"))
    await chat.send(Text("5000"))
    await chat.send(Text("mon secret est 4242 rue des Lilas"))
    assert chat.state is not None
    raw = chat.state.to_json()
    assert "5000" not in raw and "4242" not in raw and "Lilas" not in raw


async def test_language_menu_lists_languages_in_their_own_names(dialog: Dialog,
                                                                now: dt.datetime) -> None:
    chat = Chat(dialog, now)
    await chat.send(Command("language"))
    assert chat.nodes == ["system:language"]
    assert "✓ Français" in labels(chat.last)


def test_button_lookup_helper_fails_loudly(dialog: Dialog, engine: Engine,
                                          now: dt.datetime) -> None:
    turn = step(engine, None, Start(), now)
    with pytest.raises(AssertionError):
        button(turn.replies[0], "No such button")


async def test_regression_location_in_a_split_canton_lists_every_commune(
        dialog: Dialog, now: dt.datetime) -> None:
    """A point in Hannut (canton of Waremme, split between the Liège and Huy divisions)
    offered only six communes, Hannut not among them, under a postcode sentence."""
    chat = Chat(dialog, now)
    await chat.send(Location(50.6717, 5.0786))
    assert chat.nodes == ["system:saj_choose_place"]
    assert "code postal" not in chat.last.text
    places = [label for label in labels(chat.last) if "(" in label]
    assert len(places) >= 10
    hannut = next(label for label in places if label.startswith("Hannut"))
    await chat.press(hannut)
    assert chat.nodes == ["system:saj_found"] and "SAJ de Huy" in chat.last.text


async def test_voice_album_and_sticker(dialog: Dialog, engine: Engine,
                                       now: dt.datetime) -> None:
    from bot.engine import DeleteIncoming, Media

    chat = Chat(dialog, now)
    await chat.send(Start())
    await chat.press("Je suis un ou une jeune")
    turn = await chat.send(Media("voice"))
    assert chat.nodes == ["system:voice_deleted"] and DeleteIncoming() in turn.effects
    assert "vocaux" in chat.last.text and "103" in chat.last.text
    first = await chat.send(Media("photo", album="A1"))
    assert chat.nodes == ["system:media_deleted"] and DeleteIncoming() in first.effects
    for _ in range(9):  # the rest of the album: deleted, not explained ten times
        rest = await chat.send(Media("photo", album="A1"))
        assert rest.replies == () and DeleteIncoming() in rest.effects
    await chat.send(Media("photo", album="B2"))  # another album: explained again
    assert chat.nodes == ["system:media_deleted"]
    await chat.send(Media("sticker"))
    assert chat.nodes == ["menu:young"]  # the whole screen back, with its buttons
    assert "Photos intimes, nudes" in labels(chat.last)
