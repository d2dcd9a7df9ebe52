# keras-course: `make serve` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve test build check bench lint clean

install: $(STAMP)

# Re-run only when the dependency list changes; uv makes a full install about a minute.
$(STAMP): pyproject.toml
	@command -v python3 >/dev/null || { echo "python3 (3.10+) is required"; exit 1; }
	@test -x $(VENV)/bin/uv || { python3 -m venv $(VENV) && $(VENV)/bin/pip install -q uv; }
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]'
	@touch $(STAMP)

serve: install
	$(VENV)/bin/mkdocs serve -a 127.0.0.1:8000

build: install
	$(PY) -m autograder.build

check: install
	$(PY) -m autograder.build --check

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install check lint
	$(VENV)/bin/pytest -n 2

bench: install
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) site .pytest_cache
