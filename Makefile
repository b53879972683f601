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

SCORER := ../shared/eval/score_review.py
CORPUS := ../shared/corpus/docsense-testdocs
HELDOUT := $(or $(TMPDIR),/tmp)/docsense-heldout

eval: $(STAMP)
	$(BIN)/python tests/eval/run_eval.py
	@if [ -f $(SCORER) ]; then \
	  $(BIN)/python $(SCORER) --docsense $(BIN)/docsense --corpus $(CORPUS) --docs 01-10 -v; \
	  $(BIN)/python tests/eval/heldout/build_heldout.py $(HELDOUT) && \
	  $(BIN)/python $(SCORER) --docsense $(BIN)/docsense --corpus $(HELDOUT) --docs 21-28 -v; \
	else echo "$(SCORER) not found: shared scorer runs skipped"; fi

.PHONY: docs
docs: $(STAMP)
	$(BIN)/python -m domain.review.checklist_doc

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/eventstore_bench.py --quick
	$(BIN)/python tests/benchmarks/ingest_bench.py
	$(BIN)/python tests/benchmarks/review_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
