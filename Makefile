# Default: lint, then the tests.
.PHONY: check lint test format clear-notebooks

check: lint test

lint:
	ruff check .
	ruff format --check .

format:
	ruff format .
	ruff check --fix .

test:
	python -m pytest

# Notebooks are committed without outputs: run this before committing one.
clear-notebooks:
	jupyter nbconvert --clear-output --inplace *.ipynb \
		--ClearMetadataPreprocessor.enabled=True \
		--ClearMetadataPreprocessor.preserve_nb_metadata_mask=kernelspec
