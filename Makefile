# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test lint format bench clean check-java check-chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever the package metadata changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench,spark]'
	touch $@

install: $(VENV)/.installed

# The main job: baselines, an LSTM and a GRU on the bundled electricity data -> runs/electricity/
demo: $(VENV)/.installed
	$(BIN)/forecast run configs/electricity.yaml

# The Spark tests (forecast batch --engine spark) need Java 17+.
check-java:
	@v=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); \
	if [ -z "$$v" ] || [ "$$v" -lt 17 ]; then \
	  echo "make test: the Spark tests need Java 17 or newer (found: $${v:-none})."; \
	  echo "  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless"; exit 1; fi

# The HTML report's test renders it in headless Chromium: Debian's chromium package is
# installed where it is missing when running as root with apt-get; otherwise the test skips.
check-chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	  || command -v google-chrome >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make test: installing Debian's chromium for the HTML report's browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    || echo "make test: chromium could not be installed; the HTML report's browser test skips"; \
	else \
	  echo "make test: no chromium; the HTML report's browser test skips."; \
	  echo "  Debian/Ubuntu: sudo apt-get install chromium"; fi

# ruff: the formatter and the linter (configured in pyproject.toml), checked before the tests.
lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check forecast tests benchmarks
	$(BIN)/ruff check forecast tests benchmarks

format: $(VENV)/.installed-test
	$(BIN)/ruff format forecast tests benchmarks
	$(BIN)/ruff check --fix forecast tests benchmarks

test: check-java check-chromium lint
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/windowing.py
	$(BIN)/python benchmarks/training.py
	$(BIN)/python benchmarks/fit_cost.py
	$(BIN)/python benchmarks/inference.py
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/generalization.py
	$(BIN)/python benchmarks/calibration.py
	$(BIN)/python benchmarks/probabilistic.py
	$(BIN)/python benchmarks/covariates.py
	$(BIN)/python benchmarks/missing_inputs.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/spark_batch.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
