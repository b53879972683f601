PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/docsense review docs/examples/momentum_strategy.md

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

eval: $(STAMP)
	$(BIN)/python tests/eval/run_eval.py

.PHONY: docs
docs: $(STAMP)
	$(BIN)/python -m domain.review.checklist_doc

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/eventstore_bench.py --quick
	$(BIN)/python tests/benchmarks/ingest_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
