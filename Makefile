# The two commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
INSTALLED := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint types layers migrations-check pytest bench messages serve-production

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(INSTALLED)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_load
	@echo ""
	@echo "Hamburg Service is starting on http://$(HOST):$(PORT)/"
	@echo "  Public site:  http://$(HOST):$(PORT)/          (English: http://$(HOST):$(PORT)/en/)"
	@echo "  Book:         http://$(HOST):$(PORT)/appointments/   (e-mails: console and var/mail/)"
	@echo "  Staff area:   http://$(HOST):$(PORT)/staff/"
	@echo "  Admin:        http://$(HOST):$(PORT)/admin/"
	@echo "  API docs:     http://$(HOST):$(PORT)/api/docs   (OpenAPI: /api/v1/openapi.json)"
	@echo "  Demo logins (password hamburg-demo): front-desk, clerk, caseworker-registration,"
	@echo "    caseworker-immigration, location-lead, manager, administrator, central-registration,"
	@echo "    data-protection, team-lead"
	@echo ""
	@# One worker (delivers e-mails from the outbox) and one scheduler (every periodic job of
	@# every app) run beside the server and stop with it.
	@# Every process links e-mails to the address the server was started on (HOST, PORT).
	export DEBUG=true SITE_URL=http://$(HOST):$(PORT); \
	$(BIN)/python manage.py db_worker --no-reload -v0 & worker=$$!; \
	$(BIN)/python manage.py scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

# The layer contract of docs/architecture.md (import-linter): a wrong import fails here.
layers: install
	$(BIN)/lint-imports --no-cache

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# In parallel, one process per core (each with its own test database); PYTEST_WORKERS=0 for one.
PYTEST_WORKERS ?= auto
pytest: install
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint types layers migrations-check pytest

bench: install
	$(BIN)/python bench/run.py

# Regenerate translation catalogues after changing texts (needs GNU gettext).
messages: install
	cd src/hamburg_service && ../../$(BIN)/python ../../manage.py makemessages -l de -l en --no-location --ignore "*/migrations/*" && ../../$(BIN)/python ../../manage.py compilemessages

# Production-style serving as in docs/deploy.md (needs SECRET_KEY and usually DATABASE_URL).
# The deploy check first: it fails on a set-up that lacks a shared cache, TRUSTED_PROXIES or a
# protection (docs/deploy.md).
serve-production: install
	ENVIRONMENT=production $(BIN)/python manage.py check --deploy
	ENVIRONMENT=production $(BIN)/python manage.py collectstatic --noinput -v0
	ENVIRONMENT=production $(BIN)/gunicorn -c deploy/gunicorn.conf.py hamburg_service.wsgi
