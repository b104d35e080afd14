# Tertulia: `make run` serves it, `make test` checks everything. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
TOOLS  := $(VENV)/tools
CODE   := $(wildcard src tests bench)

.PHONY: run serve migrate test check format install dev clamd chromium clean

run: install migrate  ## create .venv, install, migrate var/tertulia.db, serve on 127.0.0.1:8000
	$(BIN)/tertulia serve

serve: install
	$(BIN)/tertulia serve

migrate: install
	$(BIN)/tertulia migrate

test: dev check clamd chromium  ## lint, type-check, import contracts, then the whole test suite
	$(BIN)/pytest

clamd:  # the virus-scanning tests start their own clamd (Debian/Ubuntu: clamav-daemon)
	@# install it where we can, and leave no system clamd or freshclam running
	@command -v clamd >/dev/null || [ -x /usr/sbin/clamd ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    { apt-get install -y -qq --no-install-recommends clamav-daemon >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq --no-install-recommends clamav-daemon >/dev/null; }; } && \
	    for s in clamav-daemon clamav-freshclam; do \
	      invoke-rc.d $$s stop; update-rc.d $$s disable; done >/dev/null 2>&1; true; \
	  else echo "No clamd, so the virus-scanning tests skip: apt install clamav-daemon"; fi; }

chromium:  # the browser tests (tests/browser) drive Debian's Chromium through Playwright (and an emoji font, for reactions and screenshots)
	@# install it where we can; where we cannot, the browser tests skip (CI requires them)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null; } || \
	      echo "Could not install chromium, so the browser tests skip"; \
	  else echo "No chromium, so the browser tests skip: apt install chromium"; fi; }

check: dev  ## ruff, mypy --strict on src/, the import-direction contract
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/ruff check $(CODE)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: dev
	$(BIN)/ruff format $(CODE)
	$(BIN)/ruff check --fix $(CODE)

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev $(TOOLS)/.installed

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tertulia needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(PY)
	@# uploads are typed by libmagic (Debian/Ubuntu: libmagic1); install it where we can
	@ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1' || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq libmagic1 >/dev/null || { apt-get update -qq && apt-get install -y -qq libmagic1; }; \
	  else echo "Tertulia needs libmagic: apt install libmagic1 (Fedora: file-libs; macOS: brew install libmagic)"; exit 1; fi; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

# openapi-python-client, which tests/e2e/test_generated_client.py runs: a venv of its own,
# as its typer conflicts with ours
$(TOOLS)/.installed: constraints-tools.txt | $(PY)
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -c constraints-tools.txt openapi-python-client
	@touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
