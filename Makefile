# blogarchive: `make demo` runs the bundled demo end to end, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install demo test lint format bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/blogarchive demo

test: install
	$(BIN)/ruff check pipeline tests bench archive
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check pipeline tests bench archive
	$(BIN)/ruff format --check pipeline tests bench archive

format: install
	$(BIN)/ruff format pipeline tests bench archive

bench: install
	$(BIN)/python bench/extraction.py

clean:
	rm -rf $(VENV) archive/demo.db archive/demo.db-wal archive/demo.db-shm archive/demo.db.lock archive/demo-warc
