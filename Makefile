# Every target sets up what it needs: a fresh clone runs `make test` or `make review` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck unit review rules docs screenshot bench load fuzz audit clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The GitHub App on http://127.0.0.1:8000, worker included: SQLite and a private Redis under .debtbot/
## (DEBTBOT_DATA_DIR), nothing to install. The schema is created or upgraded first: `serve` refuses an old one.
## RUN_ARGS="--port 9000" passes options to `debtbot serve`.
run: $(STAMP)
	$(BIN)/debtbot migrate
	$(BIN)/debtbot serve $(RUN_ARGS)

## Every test, the linters and the type checker: what CI runs.
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

## Review the current branch of the repository this is run in (against its default branch).
review: $(STAMP)
	$(BIN)/debtbot review --repo "$(CURDIR)"

rules: $(STAMP)
	$(BIN)/debtbot rules

## Regenerate the rules reference, the config schema and the configuration reference in docs/.
docs: $(STAMP)
	$(BIN)/python -m checks.docs docs
	$(BIN)/python -m bot.docs docs

## The README's pictures in docs/img: a real review on the fake GitHub, rendered as GitHub shows it and shot with
## headless chromium (apt-get install chromium chromium-driver fonts-noto-color-emoji).
screenshot: $(STAMP)
	$(BIN)/python -m bench.screenshot docs/img

bench: $(STAMP)
	$(BIN)/python -m bench.run

## 60 s of signed deliveries while reviews run, then the same against a minimal Probot app (needs node and npm).
load: $(STAMP)
	$(BIN)/python -m bench.load

## Fuzz the diff parser, notebook reader and config loader for FUZZ_MINUTES, then check that reading time grows
## linearly with input size. A failure prints the seed that replays it.
FUZZ_MINUTES ?= 10
fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz --minutes $(FUZZ_MINUTES)

## Known vulnerabilities of every installed package, from PyPI's advisory data (pypi.org/pypi/NAME/VERSION/json).
## --strict: a package that cannot be looked up fails the audit, so an unreachable service never passes silently.
audit: $(STAMP)
	$(BIN)/pip-audit --vulnerability-service pypi --strict --skip-editable --progress-spinner off

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
