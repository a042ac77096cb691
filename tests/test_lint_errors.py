"""Exact text of lint errors on broken content (what a maintainer reads)."""

from __future__ import annotations

from pathlib import Path

from bot.engine.loader import load_bundle

from .conftest import ROOT


def lint_file(tmp_path: Path, text: str, name: str = "broken.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _, report = load_bundle(ROOT / "flows", [path])
    return [str(p).replace(str(path), name) for p in report.sorted() if p.pos.file == str(path)]


def test_unknown_target_names_the_button_and_suggests(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_target
audience: young
title: Essai
start: one
nodes:
  one:
    say: Bonjour
    buttons:
      - {text: Suite, goto: tow}
      - {text: Ailleurs, goto: "sextortoin:start"}
  two:
    say: Deux
""")
    assert out == [
        "broken.yaml:9:9: error [unknown-target] 'goto: fixture_target:tow' leads nowhere: "
        "the node 'tow' does not exist in the flow 'fixture_target'. Did you mean 'two'?",
        "broken.yaml:10:9: error [unknown-target] 'goto: sextortoin:start' leads nowhere: "
        "the flow 'sextortoin' does not exist. Did you mean 'sextortion'?",
        "broken.yaml:11:3: error [unreachable-node] no button leads to the node 'two'. "
        "Add a button with 'goto: two' or remove the node.",
    ]


def test_duplicate_key_is_rejected_not_silently_kept(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_dup
audience: young
title: Essai
start: one
nodes:
  one:
    say: Premier texte
    say: Second texte
""")
    assert out == [
        "broken.yaml:8:5: error [duplicate-key] the key 'say' appears twice in the same block "
        "(first at line 7). Keep one of them: YAML would silently ignore the first.",
    ]


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_unknown
audience: young
title: Essai
start: one
nodes:
  one:
    say: Bonjour
    buttns:
      - {text: Suite, goto: one}
""")
    assert out == [
        "broken.yaml:8:5: error [unknown-key] 'buttns' is not a known key of node 'one'. "
        "Did you mean 'buttons'?",
    ]


def test_text_too_long_after_rendering(tmp_path: Path) -> None:
    long_text = "Tu peux en parler. " * 240  # about 4,560 characters
    # audience "all": readability limits are warnings there (errors in young flows)
    out = lint_file(tmp_path, f"""\
id: fixture_long
audience: all
title: Essai
start: one
nodes:
  one:
    say: "{long_text}"
""")
    errors = [line for line in out if " error " in line]
    assert len(errors) == 1
    assert errors[0].startswith("broken.yaml:7:5: error [text-too-long] 'fixture_long:one' is ")
    assert errors[0].endswith(" characters long in fr (Telegram's limit is 4096). "
                              "Split it over two nodes joined by a button.")
    # and, for young readers, the softer limit says so too
    assert any("warning [long-message] 'fixture_long:one' has" in line for line in out)


def test_hardcoded_phone_number_is_refused(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_number
audience: young
title: Essai
start: one
nodes:
  one:
    say: Appelle le 116 000 ou le 103, ou {child_focus.phone}. Tu as 16 ans ?
""")
    assert out == [
        "broken.yaml:7:5: error [hardcoded-number] the text of 'fixture_number:one' contains "
        "the number '103'. Numbers come from the directory: write a placeholder such as "
        "{child_focus.phone} or list the contact under 'contacts:'.",
        "broken.yaml:7:5: error [hardcoded-number] the text of 'fixture_number:one' contains "
        "the number '116 000'. Numbers come from the directory: write a placeholder such as "
        "{child_focus.phone} or list the contact under 'contacts:'.",
    ]


def test_yaml_syntax_error_has_a_position(tmp_path: Path) -> None:
    out = lint_file(tmp_path, "id: x\nnodes:\n  one:\n    say: [unclosed\n")
    assert len(out) == 1 and out[0].startswith("broken.yaml:")
    assert "[yaml-syntax] this is not valid YAML" in out[0]


def test_every_problem_in_one_run(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_many
audience: teenagers
title: Essai
strat: one
nodes:
  one:
    say: ""
    action: find_sja
""")
    rules = sorted(line.split("[")[1].split("]")[0] for line in out)
    # the flow is too broken for cross-checks (its audience is unknown): those come next run
    assert rules == ["bad-value", "empty-text", "missing-key", "unknown-key"]


def test_unknown_contact_in_placeholder(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_contact
audience: young
title: Essai
start: one
nodes:
  one:
    say: Appelle {chlid_focus.phone} ou {child_focus.fone}.
    action: find_sja
""")
    assert out == [
        "broken.yaml:6:3: error [unknown-action] the action 'find_sja' does not exist. "
        "Did you mean 'find_saj'?",
        "broken.yaml:7:5: error [unknown-contact] '{chlid_focus.phone}': the contact "
        "'chlid_focus' is not in the directory. Did you mean 'child_focus'?",
        "broken.yaml:7:5: error [unknown-field] '{child_focus.fone}': 'fone' is not a contact "
        "field. Did you mean 'phone'?",
    ]


def test_legal_fact_without_code_is_refused(tmp_path: Path) -> None:
    """A fact citing the Criminal Code must say which Code (old numbering or 2026)."""
    from bot.engine.directory import load_directory
    from bot.engine.problems import Report
    from bot.engine.yamlsrc import load_yaml

    text = """\
portal: {name: Portail, url: "https://example.org", source: ["https://example.org"]}
contacts: {}
facts:
  rule_no_code:
    text: Le secret peut être levé (art. 458bis du Code pénal).
    source: [https://example.org/a]
    verified: 2026-12-04
    confidence: verified
  rule_old_unmarked:
    text: La traite est interdite (art. 433quinquies).
    code: old
    source: [https://example.org/b]
    verified: 2026-12-04
    confidence: verified
  rule_old_marked:
    text: La traite est interdite (ancien art. 433quinquies du Code pénal).
    code: old
    source: [https://example.org/c]
    verified: 2026-12-04
    confidence: verified
  rule_no_source:
    text: Un nouveau Code pénal est en vigueur.
    code: "2026"
    verified: 2026-12-04
    confidence: partly
"""
    report = Report()
    load_directory(load_yaml(text, "contacts.yaml", report), "contacts.yaml", report)
    assert [str(p) for p in report.sorted()] == [
        "contacts.yaml:4:3: error [legal-fact-without-code] the fact 'rule_no_code' cites the "
        "Criminal Code but does not say which one. Add 'code: old' (article numbers of the "
        "Code of 1867, written 'ancien art. ...') or 'code: 2026' (new Criminal Code), with "
        "its source.",
        "contacts.yaml:10:11: error [old-article-unmarked] the fact 'rule_old_unmarked' cites "
        "an article of the old Criminal Code as if current. Write 'ancien art. ...': the new "
        "Criminal Code is in force since 2026.",
        "contacts.yaml:22:5: error [missing-key] fact 'rule_no_source' has no 'source'. Add "
        "'source:' to it (see docs/flow-format.md).",
        "contacts.yaml:22:5: error [missing-source] fact 'rule_no_source' has no source. Add "
        "the address of the page where the fact was checked.",
        "contacts.yaml:22:5: error [wrong-type] source must be a list. Write it as [a, b] or as "
        "lines starting with '- '.",
    ]


def test_channel_words_are_flagged_but_not_platforms_or_links(tmp_path: Path) -> None:
    out = lint_file(tmp_path, """\
id: fixture_channel
audience: young
title: Essai
start: one
nodes:
  one:
    say: |
      Écris /start pour recommencer. J'efface nos messages quand Telegram le permet.
      Sur Snapchat ou https://www.103ecoute.be/aide, et le 24/7, rien n'est signalé.
    buttons:
      - {text: "Tape /forget", goto: one}
""")
    assert [line for line in out if "[channel-name]" in line or "[command-word]" in line] == [
        "broken.yaml:7:5: warning [channel-name] 'fixture_channel:one' names a channel "
        "(Telegram), but the same text is shown on the web page. Say it without the channel "
        "(\"quand c'est possible\"), or ask the developers for a per-channel variant.",
        "broken.yaml:7:5: warning [command-word] 'fixture_channel:one' tells the user to type "
        "/start. Offer a button (goto:) or plain words (\"tout effacer\"): typing a command is "
        "a Telegram habit.",
        "broken.yaml:11:9: warning [command-word] 'fixture_channel:one' tells the user to type "
        "/forget. Offer a button (goto:) or plain words (\"tout effacer\"): typing a command is "
        "a Telegram habit.",
    ]
