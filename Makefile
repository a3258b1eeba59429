# Every target sets up what it needs: a fresh clone runs `make test` or `make review` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck unit review rules docs bench clean

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

## Regenerate the rules reference and the config schema in docs/.
docs: $(STAMP)
	$(BIN)/python -m checks.docs docs

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
