"""Typed-text understanding: examples, the classifier, the decision order, crisis corrections.

The held-out set ``tests/data/understanding_cases.tsv`` is never used for training; the
figures below are those of issue 21 (``python -m bot lint --report understanding``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from bot.cli.evaluate import CASES, Figures, evaluate, load_cases
from bot.engine import Engine, classify, step
from bot.engine.loader import load_bundle
from bot.engine.state import State, Text
from bot.engine.text import normalize, variants, within_one, words

from .conftest import ROOT

# -- the held-out set -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def figures(engine: Engine) -> Figures:
    return evaluate(engine)


def test_crisis_recall_is_total(figures: Figures) -> None:
    missed = [(o.case.lang, o.case.text, o.node) for o in figures.crisis_cases
              if o.kind != "alarm"]
    assert missed == []


def test_false_alarms_stay_rare(figures: Figures) -> None:
    alarms = [(o.case.lang, o.case.text, o.node) for o in figures.ordinary if o.kind == "alarm"]
    assert figures.false_alarms() <= 0.02, alarms


def test_ordinary_chat_is_left_alone(figures: Figures) -> None:
    assert figures.chat_left_alone() >= 0.90, [
        (o.case.lang, o.case.text, o.node) for o in figures.chat if not o.correct]


def test_strict_routing_overall_and_per_language(figures: Figures) -> None:
    per_lang = {lang: round(figures.accuracy(lang), 3) for lang in figures.langs()}
    assert figures.accuracy() >= 0.85, per_lang
    assert min(per_lang.values()) >= 0.75, per_lang


def test_no_case_is_a_near_duplicate_of_a_training_example(engine: Engine) -> None:
    """Exact copies (3+ words) and near copies (5+ words, 80% of the words shared)."""
    examples = [normalize(e.text) for e in engine.bundle.examples]
    exact = {e for e in examples if len(e.split()) >= 3}
    by_word: dict[str, list[int]] = {}
    sets = [frozenset(e.split()) for e in examples]
    for i, s in enumerate(sets):
        for w in s:
            by_word.setdefault(w, []).append(i)
    close = []
    for case in load_cases():
        text = normalize(case.text)
        mine = frozenset(text.split())
        if len(text.split()) >= 3 and text in exact:
            close.append(case.text)
            continue
        if len(mine) < 5:
            continue
        shared: Counter[int] = Counter(i for w in mine for i in by_word.get(w, ()))
        for i, n in shared.items():
            if n / len(mine | sets[i]) >= 0.8:
                close.append(f"{case.text} ~ {examples[i]}")
                break
    assert close == []


def test_the_set_covers_every_language_and_kind() -> None:
    cases = load_cases(CASES)
    per_lang = Counter(c.lang for c in cases)
    assert len(cases) >= 600 and min(per_lang.values()) >= 40
    kinds = Counter(c.expected for c in cases)
    assert kinds["chat"] > 0 and kinds["danger"] + kinds["suicide"] + kinds["runaway"] > 0


# -- crisis corrections (issue 21) ---------------------------------------------------------

NOW = dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC)


def reply_node(engine: Engine, text: str, lang: str = "fr", **state: object) -> str:
    turn = step(engine, State(lang=lang, **state), Text(text), NOW)  # type: ignore[arg-type]
    return turn.replies[-1].node


@pytest.mark.parametrize("text", [
    "il me menace de publier mes photos", "hij bedreigt me met mijn naaktfotos",
    "this guy threatens me he'll leak my pics unless i pay",
])
def test_threats_about_images_open_sextortion_not_danger(engine: Engine, text: str) -> None:
    assert engine.detector.detect(text) is None
    assert reply_node(engine, text).startswith("sextortion:")


def test_sextortion_first_screen_gives_112_and_help(engine: Engine) -> None:
    """The sextortion flow answers threats now: its first screen must keep the way to help."""
    turn = step(engine, State(), Text("il me menace de publier mes photos"), NOW)
    reply = turn.replies[-1]
    labels = [b.label for row in reply.buttons for b in row]
    assert any("Aide maintenant" in label for label in labels)


@pytest.mark.parametrize("text", ["mon père va me tuer s'il voit mon bulletin",
                                  "my mom is gonna kill me when she sees my grades"])
def test_idioms_are_not_emergencies(engine: Engine, text: str) -> None:
    assert engine.detector.detect(text) is None


@pytest.mark.parametrize("text", ["mon cousin il me force à vendre de la drogue",
                                  "mijn neef dwingt me om drugs te verkopen"])
def test_forced_criminality_opens_trafficking(engine: Engine, text: str) -> None:
    assert reply_node(engine, text) == "trafficking:start"


def test_forcing_without_criminality_stays_danger(engine: Engine) -> None:
    assert engine.detector.detect("mon cousin me force à faire des trucs") == "danger"


@pytest.mark.parametrize("text, category", [
    ("je veux me suicdier", "suicide"),  # a swapped pair is one typo
    ("je veux me sui-cider", "suicide"),  # hyphen inside a word
    ("j3 v3ux m0urir", "suicide"),  # leetspeak digits
    ("سأنتحر الليلة", "suicide"),  # Arabic future prefix
    ("my stepdad hits me", "danger"),
])
def test_typed_variants_are_caught(engine: Engine, text: str, category: str) -> None:
    assert engine.detector.detect(text) == category


def test_the_whole_message_is_read(engine: Engine) -> None:
    text = "bla " * 1000 + "je veux mourir"
    assert len(text) > 4000
    assert engine.detector.detect(text) == "suicide"


def test_swapped_letters_count_as_one_edit() -> None:
    assert within_one("suicider", "suicdier", 1)
    assert within_one("abcdefghij", "bacdefghji", 2)
    assert not within_one("suicider", "sucidier", 1)


def test_variants_are_empty_for_plain_text() -> None:
    assert variants("je vais bien merci", words("je vais bien merci")) == []


def test_crisis_in_arabic_to_a_french_bot_is_answered_in_arabic(engine: Engine) -> None:
    if "ar" not in engine.languages():
        pytest.skip("no Arabic catalog")
    turn = step(engine, State(lang="fr"), Text("سأنتحر الليلة"), NOW)
    assert turn.replies[-1].node == "emergency:suicide"
    assert turn.state.lang == "ar"
    labels = [b.label for row in turn.replies[-1].buttons for b in row]
    assert any("Français" in label for label in labels)  # the way back


# -- the decision order --------------------------------------------------------------------


def test_smalltalk_answers_in_one_line_with_the_menu(engine: Engine) -> None:
    turn = step(engine, State(), Text("t'es un robot ?"), NOW)
    reply = turn.replies[-1]
    assert reply.node == "smalltalk:robot"
    assert len(reply.buttons) > 3  # the menu's buttons, then navigation


def test_ok_inside_a_story_is_not_smalltalk(engine: Engine) -> None:
    node = reply_node(engine, "ok alors un mec de 30 ans me demande des nudes sur snap "
                              "et il insiste tous les jours")
    assert not node.startswith("smalltalk:")


def test_a_professional_presenting_themself_gets_the_pro_audience(engine: Engine) -> None:
    turn = step(engine, State(), Text("je suis éducatrice dans une AMO, comment savoir si une "
                                      "ado est sous l'emprise d'un proxénète ?"), NOW)
    assert turn.state.audience == "pro"
    assert turn.replies[-1].node.startswith("pro_")


def test_a_teenager_asking_what_a_loverboy_is_gets_the_young_flow(engine: Engine) -> None:
    assert reply_node(engine, "c'est quoi un loverboy").startswith("loverboys:")


def test_no_did_you_mean_on_two_unknown_words(engine: Engine) -> None:
    assert reply_node(engine, "zorglub fnarp") == "system:not_understood"


def test_classifier_only_danger_asks_the_question(engine: Engine) -> None:
    u = engine.understanding
    assert u.classifier is not None and "emergency" in u.classifier.classes
    turn = step(engine, State(at="emergency:ask"), Text("oui"), NOW)
    assert turn.replies[-1].node == "emergency:danger"
    turn = step(engine, State(at="emergency:ask"), Text("non"), NOW)
    assert turn.replies[-1].node == "emergency:not_now"


# -- examples files and lint ---------------------------------------------------------------


def lint_examples(tmp_path: Path, text: str) -> list[str]:
    folder = tmp_path / "examples"
    folder.mkdir(exist_ok=True)
    path = folder / "xx.yaml"
    path.write_text(text, encoding="utf-8")
    _, report = load_bundle(ROOT / "flows", [path])
    return [str(p).replace(str(path), "xx.yaml") for p in report.sorted()
            if p.pos.file == str(path)]


def test_examples_lint_points_at_lines(tmp_path: Path) -> None:
    out = lint_examples(tmp_path, """\
lang: fr
reviewed: false
examples:
  sextortoin: ["il me fait chanter"]
  sexting:
    - "il veut une photo de moi nue"
  grooming:
    - "il veut une photo de moi nue"
    - "je veux mourir"
""")
    assert "xx.yaml:4:3: error [unknown-flow] there is no flow 'sextortoin'. " \
           "Did you mean 'sextortion'?" in out
    assert any(line.startswith("xx.yaml:8:7: warning [example-two-flows] this example is "
                               "also listed under 'sexting'") for line in out)
    assert any(line.startswith("xx.yaml:9:7: warning [example-crisis]") for line in out)


def test_too_few_examples_are_reported(engine: Engine) -> None:
    from bot.engine.examples import ExampleFile, check_examples
    from bot.engine.model import Example
    from bot.engine.problems import Pos, Report

    pos = Pos("xx.yaml", 3, 3)
    examples = [Example("fr", "grooming", "un adulte me parle tous les soirs", pos)]
    report = Report()
    check_examples([ExampleFile("fr", "xx.yaml", pos, False, examples, {"grooming": pos})],
                   engine.bundle, report)
    lines = [str(p) for p in report.problems]
    assert "xx.yaml:3:3: warning [few-examples] 'grooming' has 1 fr example(s), fewer than " \
           "40. Add whole sentences as people type them (see docs/maintainers.md)." in lines
    assert any("'pro_faq' has 0 fr example(s), fewer than 20" in line for line in lines)


def test_examples_file_needs_a_known_language(tmp_path: Path) -> None:
    out = lint_examples(tmp_path, "lang: xx\nexamples: {sexting: [a b c]}\n")
    assert any("error [bad-value] 'xx' is not a supported language" in line for line in out)


# -- the classifier ------------------------------------------------------------------------


def test_training_is_deterministic_and_keyed_by_content() -> None:
    samples = [("a", "il me fait chanter avec une video", 1.0),
               ("b", "un adulte me parle sur snap", 1.0),
               ("a", "he wants money or he posts my pics", 1.0)]
    one, two = classify.train(samples), classify.train(samples)
    assert one.key == two.key and (one.weights == two.weights).all()
    assert one.scores("chantage video")["a"] > 0.5
    changed = classify.train([*samples[:2], ("a", "he wants money or he leaks my pics", 1.0)])
    assert changed.key != one.key


def test_a_stale_cache_file_is_never_served(tmp_path: Path) -> None:
    samples = [("a", "il me fait chanter", 1.0), ("b", "un adulte me parle", 1.0)]
    model = classify.load_or_train(samples, tmp_path)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    # a file of the right name holding another model's key is ignored
    other = classify.train([("a", "x y z", 1.0), ("b", "u v w", 1.0)])
    classify._save(other, files[0])
    again = classify.load_or_train(samples, tmp_path)
    assert again.key == model.key
    assert again.scores("il me fait chanter") == model.scores("il me fait chanter")
