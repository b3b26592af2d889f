# Terreau — see README.md. `make run` and `make test` work from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := run
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CODE ?= 123456

# A Python 3.12+ interpreter: $(PYTHON) if given, else python3.13/python3.12/python3 on
# PATH, else a pyenv-installed 3.12+ (pyenv shims answer only with PYENV_VERSION set).
define find_python
for c in $(PYTHON) python3.14 python3.13 python3.12 python3; do \
  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; exit 0; fi; \
done; \
if command -v pyenv >/dev/null 2>&1; then \
  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$$' | sort -rV); do \
    p="$$(pyenv root)/versions/$$v/bin/python3"; \
    if [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$$p"; exit 0; fi; \
  done; \
fi; exit 1
endef

$(VENV)/.created:
	@py="$$( $(find_python) )" || { echo "Terreau needs Python 3.12 or newer (Django 6). None was found on PATH or through pyenv."; echo "Install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)"; exit 1; }; \
	echo "Using $$py ($$($$py --version))"; \
	rm -rf $(VENV) && "$$py" -m venv $(VENV) && $(VENV)/bin/python -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created requirements.txt
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

.PHONY: install install-dev run test lint messages territories browser screenshots

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Regenerate the compiled translations (needs GNU gettext); the .mo files are committed.
messages: install
	@cd terreau && ../$(PY) ../manage.py compilemessages -v 0

run: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo --once
	$(PY) manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "  Terreau runs on http://$(HOST):$(PORT)/"
	@MFA_DEMO_CODE=$(DEMO_CODE) $(PY) manage.py demo_logins
	@echo ""
	@trap 'kill 0' EXIT; MFA_DEMO_CODE=$(DEMO_CODE) $(PY) manage.py db_worker --queue-name '*' >var/worker.log 2>&1 & \
	MFA_DEMO_CODE=$(DEMO_CODE) $(PY) manage.py runserver --noreload $(HOST):$(PORT)

# Browser tests use Debian's Chromium (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

test: install-dev browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Regenerate the shipped French geography from the npm package @etalab/decoupage-administratif.
territories: install
	$(PY) tools/build_territories.py
