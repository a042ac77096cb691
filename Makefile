# Two commands for a fresh machine (see README):
#   make run    install, then start the bot (or the terminal simulator when BOT_TOKEN is unset)
#   make test   install with test tools, then run the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test check lint i18n graph chat bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

locales/.compiled: $(VENV)/.installed $(wildcard locales/*/LC_MESSAGES/messages.po) bot/engine/cldr.py
	$(PY) -m bot i18n compile > /dev/null
	touch $@

run: $(VENV)/.installed locales/.compiled
	$(PY) -m bot start

test: $(VENV)/.installed locales/.compiled
	$(PY) -m pytest

check: test
	$(PY) -m ruff check .
	$(PY) -m mypy --strict bot actions
	$(PY) -m bot lint

lint: $(VENV)/.installed locales/.compiled
	$(PY) -m bot lint

chat: $(VENV)/.installed locales/.compiled
	$(PY) -m bot chat

i18n: $(VENV)/.installed
	$(PY) -m bot i18n update
	$(PY) -m bot i18n compile

bench: $(VENV)/.installed locales/.compiled
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev,bench]'
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) locales/.compiled .pytest_cache .mypy_cache .ruff_cache
