# Default: lint, then the tests.
.PHONY: check lint test format

check: lint test

lint:
	ruff check .
	ruff format --check .

format:
	ruff format .
	ruff check --fix .

test:
	python -m pytest
