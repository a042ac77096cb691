"""Maintainers' tools: lint output and exit codes, diagrams, schemas, generated docs, compose."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.cli.graph import mermaid
from bot.cli.reports import facts_report
from bot.cli.schema import SCHEMAS, render
from bot.config import Settings
from bot.engine import Engine
from bot.engine.i18n import Translator

from .conftest import ROOT


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "lint", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


#: Channel wording still in flows/common (lint warnings, issue 20): the help's command list,
#: "avec /forget", "quand Telegram le permet", "écris /help", "écris /start". Shrink this
#: list as the texts get channel-neutral wording; no other warning is allowed.
CHANNEL_WARNINGS = {
    "system:help": 1, "system:privacy": 1, "system:unknown_command": 1, "system:forgotten": 1,
    "smalltalk:bye": 1, "system:forget_failed": 1,
}


def test_lint_is_clean_and_prints_a_summary() -> None:
    out = lint()
    assert out.returncode == 0, out.stdout[-2000:]
    summary = out.stdout.strip().splitlines()[-1]
    total = sum(CHANNEL_WARNINGS.values())
    assert re.match(rf"\d+ flows, \d+ nodes, 16 language\(s\): 0 error\(s\), {total} warning",
                    summary), summary
    found: dict[str, int] = {}
    for line in out.stdout.splitlines()[:-1]:
        match = re.search(r"warning \[(?:channel-name|command-word)\] '([\w:]+)'", line)
        assert match, line
        found[match.group(1)] = found.get(match.group(1), 0) + 1
    assert found == CHANNEL_WARNINGS


def test_lint_catches_a_typo_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "typo.yaml"
    broken.write_text("id: typo_flow\naudience: young\ntitle: T\nstart: a\nnodes:\n  a:\n"
                      "    say: Bonjour\n    buttons:\n"
                      "      - {text: Go, goto: sextortion:strat}\n", encoding="utf-8")
    out = lint(str(broken), "--lang", "fr")
    assert out.returncode == 1
    assert f"{broken}:9:9: error [unknown-target]" in out.stdout
    assert "Did you mean 'start'?" in out.stdout
    gh = lint(str(broken), "--lang", "fr", "--format", "github")
    assert f"::error file={broken},line=9,col=9,title=[unknown-target]::" in gh.stdout


def test_mermaid_has_every_transition(engine: Engine) -> None:
    text = mermaid(engine.bundle, None, Translator(), "fr")
    assert text.startswith("flowchart TD")
    for flow in engine.bundle.flows.values():
        for node in flow.nodes.values():
            for button in node.buttons:
                if button.goto:
                    src, dst = node.key.replace(":", "__"), button.goto.replace(":", "__")
                    assert re.search(rf"{re.escape(src)} -->\|.*\| {re.escape(dst)}\n", text)


def test_graph_in_another_language(engine: Engine, translator: Translator) -> None:
    text = mermaid(engine.bundle, "sextortion", translator, "nl")
    assert "subgraph sextortion" in text and "Que faire maintenant" not in text


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schemas_are_up_to_date(name: str) -> None:
    committed = (ROOT / "docs" / "schema" / name).read_text(encoding="utf-8")
    assert committed == render(name), "run: python -m bot schema"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_content_validates_against_the_schemas() -> None:
    flow_schema = json.loads(render("flow.schema.json"))
    for path in [*ROOT.glob("flows/young/*.yaml"), *ROOT.glob("flows/pro/*.yaml")]:
        jsonschema.validate(_plain(yaml.safe_load(path.read_text(encoding="utf-8"))),
                            flow_schema)
    contacts = _plain(yaml.safe_load((ROOT / "flows" / "contacts.yaml").read_text("utf-8")))
    jsonschema.validate(contacts, json.loads(render("contacts.schema.json")))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "audience": "young", "title": "t", "start": "a",
                             "nodes": {"a": {"say": "s", "buttns": []}}}, flow_schema)


def test_facts_doc_is_generated_from_the_directory(engine: Engine) -> None:
    committed = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    assert committed.strip() == facts_report(engine.bundle, ROOT).strip(), \
        "run: python -m bot lint --report facts > docs/facts.md"


def test_env_example_documents_every_setting() -> None:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"([A-Z][A-Z_]+)"', source)) - {"DEBUG", "INFO", "WARNING",
                                                            "ERROR"}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z][A-Z_]+)=", example, re.MULTILINE))
    assert read <= documented, read - documented
    Settings.load({})  # defaults are valid


def test_compose_file_follows_the_compose_specification() -> None:
    schema_path = ROOT / "tests" / "data" / "compose-spec.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    # the spec names a draft-07 metaschema URL jsonschema does not know by that spelling
    jsonschema.Draft7Validator(schema).validate(compose)
    services = compose["services"]
    assert {"bot-polling", "bot-webhook", "web", "redis", "actions"} <= set(services)
    assert "ports" not in services["actions"]  # rasa-sdk binds 0.0.0.0
    for name in ("bot-polling", "bot-webhook", "web"):
        service = services[name]
        assert service["env_file"] == [{"path": ".env", "required": False}]  # .env optional
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "ports" not in service  # reached through Caddy only
    assert "healthcheck" in services["redis"]
    assert "healthcheck" in services["bot-polling"] and "healthcheck" in services["bot-webhook"]
    assert services["bot-polling"]["profiles"] == ["polling"]
    assert services["bot-webhook"]["profiles"] == ["webhook"]


def test_state_ttl_cannot_outlive_what_privacy_promises(engine: Engine) -> None:
    """/privacy says conversations are erased after 24 hours: a longer STATE_TTL is refused
    at start-up, and the promise in the content is the one the setting checks against."""
    from bot.config import PROMISED_TTL, ConfigError, Settings

    node = engine.bundle.node("system:privacy")
    assert node is not None and f"{PROMISED_TTL // 3600} heures" in node.say
    assert Settings.load({"STATE_TTL": "3600"}).state_ttl == 3600
    assert Settings.load({}).state_ttl == PROMISED_TTL
    with pytest.raises(ConfigError, match=r"STATE_TTL=172800 keeps conversations longer "
                                          r"than the 24 hours the /privacy message promises"):
        Settings.load({"STATE_TTL": "172800"})


def test_every_configuration_problem_is_one_line_and_exit_2() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": "abc:def",
           "REDIS_URL": "notaurl", "WEBHOOK_URL": "http://bot.example", "STATE_TTL": "x",
           "WEBHOOK_SECRET": "has spaces", "STATS": "maybe"}
    out = subprocess.run([sys.executable, "-m", "bot", "lint"], cwd=ROOT, env=env, timeout=60,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 6 and all(line.startswith("configuration error: ") for line in lines)
    for key in ("BOT_TOKEN", "REDIS_URL", "WEBHOOK_URL", "STATE_TTL", "WEBHOOK_SECRET", "STATS"):
        assert any(key in line for line in lines), key
    assert "Traceback" not in out.stderr


def test_a_password_in_a_bad_url_is_never_printed() -> None:
    from bot.config import Settings
    from bot.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        Settings.load({"REDIS_URL": "http://:s3cret@redis:6379/0"})
    assert "s3cret" not in str(err.value) and "REDIS_URL" in str(err.value)
    good = Settings.load({"REDIS_URL": "rediss://:s3cret@redis:6380/0",
                          "BOT_TOKEN": "123456789:AAE" + "x" * 32,
                          "WEBHOOK_URL": "https://bot.example/telegram",
                          "WEBHOOK_SECRET": "a-long_random-secret"})
    assert good.redis_url is not None and good.webhook_url is not None


def test_an_installed_package_finds_its_content_anywhere(tmp_path: Path) -> None:
    """A non-editable install (as in the image) runs the linter from another folder: the
    content comes from CONTENT_DIR, or a clear line says where it looked."""
    target = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                            "--no-build-isolation", "--target", str(target), str(ROOT)],
                           capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stderr[-2000:]
    assert not (target / "flows").exists()  # the content is not in site-packages
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join([str(target), *deps]),
           "CONTENT_DIR": str(ROOT)}
    code = "import sys; from bot.cli import main; sys.exit(main(['lint', '--lang', 'fr']))"
    ok = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env,
                        capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stdout[-1500:] + ok.stderr[-1500:]
    assert "0 error(s)" in ok.stdout
    del env["CONTENT_DIR"]
    lost = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert lost.returncode == 1 and "Traceback" not in lost.stderr
    assert "content folder does not exist" in lost.stdout


def test_the_event_loop_setting() -> None:
    import asyncio

    from bot.config import ConfigError, Settings
    from bot.telegram.app import use_loop

    with pytest.raises(ConfigError, match="EVENT_LOOP='fast' must be auto"):
        Settings.load({"EVENT_LOOP": "fast"})
    policy = asyncio.get_event_loop_policy()
    try:
        assert use_loop(Settings.load({"EVENT_LOOP": "asyncio"})) == "asyncio"
        assert use_loop(Settings.load({})) == "uvloop"  # installed with the bot (Linux)
        assert type(asyncio.get_event_loop_policy()).__module__.startswith("uvloop")
    finally:
        asyncio.set_event_loop_policy(policy)
