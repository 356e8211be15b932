# The two commands: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SHELL := /bin/bash

.PHONY: install run test lint format messages benchmarks benchmarks-smoke css clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	bash bin/run-local

test: install
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_TESTING=true $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	bin/po-sync --check

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Never `makemessages --no-obsolete` on locale/ itself: it drops the hand-kept Thai entries for
# Django's, allauth's and sw.js's strings. bin/po-sync scans a scratch copy and merges.
messages: install
	bin/po-sync

# Every benchmark at full size (see benchmarks/README.md; each exits 1 when its checks fail).
benchmarks: install
	$(PY) benchmarks/outbox.py
	$(PY) benchmarks/deadline_rush.py
	$(PY) benchmarks/deadline_rush.py --broker-outage-s 30
	$(PY) benchmarks/admin_changelist.py
	$(PY) benchmarks/reminder_planning.py
	$(PY) benchmarks/review_reminders.py
	$(PY) benchmarks/selection.py
	$(PY) benchmarks/reminders.py
	$(PY) benchmarks/visits.py
	$(PY) benchmarks/matching.py
	$(PY) benchmarks/review_assignment.py
	$(PY) benchmarks/field.py
	$(PY) benchmarks/outcomes.py
	$(PY) benchmarks/roles_and_reminders_page.py
	$(PY) benchmarks/line.py
	$(PY) benchmarks/visit_export.py
	$(PY) benchmarks/restore_drill.py
	$(PY) benchmarks/pdpa.py
	$(PY) benchmarks/dashboard.py

# Every benchmark at a small size, so that none can rot (CI runs it).
benchmarks-smoke: install
	$(PY) benchmarks/smoke.py

# Rebuild the subset of Bootstrap's CSS the pages use (PurgeCSS; needs npm). Commit the result.
css:
	bash bin/build-css

clean:
	rm -rf $(VENV) .celery var db.sqlite3 staticfiles
