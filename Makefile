# OCW Rainbow. The quick start is two commands: `make run` and `make test`.
# Everything else here is what those two need, plus a few conveniences for developers.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

HTMX_SRC := node_modules/htmx.org/dist/htmx.min.js
HTMX     := app/static/vendor/htmx.min.js
AXE      := node_modules/axe-core/axe.min.js
# The service worker's Workbox modules (static/js/sw.js loads them from static/vendor, in this order).
WORKBOX  := core routing strategies precaching cacheable-response

.PHONY: run test bench wheel setup setup-dev chromium pdf-libs document-tools wrk lint format check-framework clean help

help:
	@echo "make run    set up .venv, migrate, load the demo trust on first run, serve on http://$(HOST):$(PORT)"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make bench  the performance benchmarks, with wrk (benchmarks/README.md); results in benchmarks/results.json"
	@echo "make wheel  the service as a wheel in dist/ (htmx inside)"
	@echo "make lint   ruff;  make clean   remove .venv, node_modules, static/vendor, build, dist"

run: setup
	$(BIN)/rainbow migrate
	$(BIN)/rainbow demo --if-empty
	$(BIN)/rainbow serve

# The browser tests (tests/browser) also need Debian's Chromium: `make test` installs it where it can (as root,
# with apt-get); elsewhere they skip, saying why, or fail when CI is set. axe-core, which they run on every
# page, is a devDependency from npm. The suite runs on every core (pytest-xdist); each test has its own
# database, so they do not meet.
test: setup-dev $(AXE) chromium document-tools
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/rainbow check-framework
	$(BIN)/pytest -n auto

# Playwright cannot download a browser here, so the browser tests drive Debian's own.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    || echo "could not install chromium: the browser tests will skip (and fail in CI)"; \
	else \
	  echo "no /usr/bin/chromium, and installing it needs root and apt-get: the browser tests will skip"; \
	fi

# The board pack is laid out by WeasyPrint, which needs Debian's pango, and is set in DejaVu Sans (embedded in
# the PDF): `make setup` (so `make run` too) installs them where it can (as root, with apt-get).
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pdf-libs:
	@if { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q libpangoft2-1.0.so.0 \
	  && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's pango and DejaVu fonts for the PDF board pack"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS) \
	    || echo "could not install $(PDF_LIBS): the PDF board pack will fail until they are there"; \
	else \
	  echo "the PDF board pack needs Debian's $(PDF_LIBS) (apt-get install -y $(PDF_LIBS)), which needs root"; \
	fi

# Tests read the downloads back with real tools: pdfinfo and pdffonts (poppler-utils) for the board pack, and
# LibreOffice (soffice) converting the CSV and XLSX as a spreadsheet opens them. Installed where it can, as
# Chromium is; elsewhere those tests skip, saying why, and fail in CI.
DOCUMENT_TOOLS := poppler-utils libreoffice-calc-nogui
document-tools:
	@if command -v pdfinfo >/dev/null && command -v soffice >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's $(DOCUMENT_TOOLS) for the download tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DOCUMENT_TOOLS) \
	    || echo "could not install $(DOCUMENT_TOOLS): the tests that use them will skip (and fail in CI)"; \
	else \
	  echo "no pdfinfo or soffice, and installing them needs root and apt-get: the tests that use them will skip"; \
	fi

# Normally already there: `npm ci` for htmx installs it. Only when node_modules has gone since.
$(AXE): | $(HTMX)
	npm ci --no-audit --no-fund --loglevel=error

setup: $(VENV)/.runtime-installed $(HTMX) pdf-libs
setup-dev: $(VENV)/.dev-installed $(HTMX) pdf-libs

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OCW Rainbow needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.runtime-installed

# htmx, idb-keyval (the tablets' outbox) and Workbox (their service worker) come from npm (pinned in
# package.json and package-lock.json) and are served by the app itself:
# tablets in a school hall may have no internet, so pages never load anything from a CDN.
$(HTMX): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to fetch htmx: install Node.js (e.g. apt-get install -y nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p app/static/vendor
	cp $(HTMX_SRC) $@
	cp node_modules/idb-keyval/dist/umd.js app/static/vendor/idb-keyval.js
	cp $(foreach m,$(WORKBOX),node_modules/workbox-$(m)/build/workbox-$(m).prod.js) app/static/vendor/

# The service as a wheel in dist/, with htmx inside, to install elsewhere (`pip install dist/ocw_rainbow-*.whl`;
# the Dockerfile builds its own the same way). build/ goes first: files deleted from the source linger there.
wheel: $(HTMX) | $(BIN)/python
	rm -rf build
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

# Speed and memory against design.md section 6; writes benchmarks/results.json (see benchmarks/README.md).
bench: setup-dev wrk
	$(BIN)/python -m benchmarks.run

# P1, P5 and P7 load the server with wrk (a C load generator, which takes no GIL from the server): `make bench`
# installs Debian's where it can (as root, with apt-get), as `make test` does Chromium; elsewhere they skip.
wrk:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's wrk for the load benchmarks"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk \
	    || echo "could not install wrk: P1, P5 and P7 will skip"; \
	else \
	  echo "no wrk, and installing it needs root and apt-get (apt-get install -y wrk): P1, P5 and P7 will skip"; \
	fi

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-framework: setup
	$(BIN)/rainbow check-framework

clean:
	rm -rf $(VENV) node_modules app/static/vendor build dist .pytest_cache .ruff_cache
