PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Pinned, hashed dependencies (`make lock` refreshes them). Installing needs only pip.
RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK := requirements/dev.lock
# The extras locked into DEV_LOCK with the runtime dependencies.
DEV_EXTRAS := dev

.PHONY: demo test lint check-deploy eval bench lock clean

$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/docsense review docs/examples/momentum_strategy.md

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The deploy files against the tools that run them: promtool, nginx, systemd-analyze
# (`.ci/run` installs them from the distribution's packages). A missing tool fails here.
check-deploy: $(STAMP)
	promtool check config deploy/prometheus.yml
	promtool check rules deploy/alerts.yml
	promtool test rules deploy/alerts_test.yml
	DOCSENSE_REQUIRE_TOOLS=1 $(BIN)/python -m pytest -q tests/deploy \
		tests/bot/test_sidecar.py::test_metrics_pass_promtool

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

# Resolved for every platform and Python 3.11+. Existing pins are kept unless pyproject.toml
# rules them out: `make lock LOCK_FLAGS=--upgrade` (or --upgrade-package NAME) moves them.
# The dev lock is constrained by the runtime lock, so both pin the same versions.
UV_VERSION := 0.13.9
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command 'make lock' $(LOCK_FLAGS)

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) -o $(RUNTIME_LOCK)
	$(UV_COMPILE) $(addprefix --extra ,$(DEV_EXTRAS)) -c $(RUNTIME_LOCK) -o $(DEV_LOCK)

clean:
	rm -rf $(VENV) .pytest_cache
