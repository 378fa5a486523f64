# Local checks, the same as CI (.ci/run), but with the tools of the current environment.
# `make check` runs everything; the targets can also be run one by one.

PYTHON ?= python3

.PHONY: check lint format-check typecheck test format readme-help

check: lint format-check typecheck test

lint:
	$(PYTHON) -m ruff check .

format-check:
	$(PYTHON) -m ruff format --check .

typecheck:
	$(PYTHON) -m mypy

test:
	$(PYTHON) -m pytest

# Fix formatting in place.
format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

# Rewrite the --help blocks quoted in docs/cli.md after changing an option.
readme-help:
	TW_UPDATE_README=1 $(PYTHON) -m pytest -q tests/cli/test_readme.py
