# Two commands on a fresh clone: `make run` and `make test`.
# SQLite by default; PostgreSQL when DATABASE_URL is set.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Test processes (pytest-xdist): one per core by default; TEST_PROCESSES=0 runs in this process.
TEST_PROCESSES ?= auto

.PHONY: run test test-fast test-hostile install lint format migrate seed clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# `make run` is for trying the portal on this machine: DEBUG stays off (as in production)
# unless you set it, so a local secret key is supplied here when none is set: random,
# generated once into the git-ignored .local-secret-key (disdukcapil/local_secret.py).
run: export SECRET_KEY ?= $(shell $(PYTHON) -m disdukcapil.local_secret)
run: export ALLOWED_HOSTS ?= localhost,127.0.0.1
# Webhook secrets for trying the inbound SMS/WhatsApp locally (bin/inbound-sms uses the same).
run: export SMS_WEBHOOK_SECRET ?= local-sms-webhook-secret
run: export WHATSAPP_APP_SECRET ?= local-whatsapp-app-secret
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 \
		$(BIN)/python bin/run-all

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# The quick loop while working: SQLite and local memory (whatever DATABASE_URL says), without the
# `slow` and `browser` tests. `make test` (and .ci/run) still runs everything.
test-fast: install
	DATABASE_URL= REDIS_URL= $(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile -m "not slow and not browser" $(PYTEST_ARGS)

# The hostile-input suites with their full example counts and fresh random examples every run
# (every other run uses a fixed quarter of them: tests/hardening/hostile.py).
test-hostile: install
	HYPOTHESIS_PROFILE=hostile-full $(BIN)/python -m pytest -m hostile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache
