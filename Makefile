# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo-output

.PHONY: demo test install clean lint bench

$(BIN)/carecast: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	@touch $(BIN)/carecast

install: $(BIN)/carecast

demo: install
	$(BIN)/carecast demo --out $(DEMO_DIR)

test: install
	@eval "$$(bash scripts/test-services.sh | tail -n 1)"; \
	$(BIN)/python -m pytest -n 2 -q --maxfail=20

lint: install
	$(BIN)/ruff check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) artifacts
