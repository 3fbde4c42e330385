# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo-output

.PHONY: demo test install clean lint bench typecheck

$(BIN)/carecast: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	@touch $(BIN)/carecast

install: $(BIN)/carecast

demo: install
	$(BIN)/carecast demo --out $(DEMO_DIR)

# Packages mypy checks (in `make test`, so CI runs it, and in `make lint`); a listed package that
# does not exist yet is skipped. Widen the list as packages are made to pass.
TYPED := src/carecast/parameters src/carecast/services src/carecast/plumbing src/carecast/yamlfile.py

test: install typecheck
	@eval "$$(bash scripts/test-services.sh | tail -n 1)"; \
	$(BIN)/python -m pytest -n 2 -q --maxfail=20

typecheck: install
	$(BIN)/python -m mypy $(wildcard $(TYPED))

lint: install typecheck
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) artifacts
