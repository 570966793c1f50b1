# BankOps — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test install chromium migrate seed messages clean

$(VENV)/installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (set PYTHON=…)"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

run: seed
	$(PY) manage.py runserver $(HOST)

test: install chromium
	$(PY) -m pytest

# The browser tests drive Debian's Chromium; Playwright's own browser download needs the internet.
chromium:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Re-extract and compile the translations (needs GNU gettext; the compiled .mo files are committed).
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) var .pytest_cache
