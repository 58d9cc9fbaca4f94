# FLIS: `make run` sets up, generates demo data, materialises it and serves the Dagster UI;
# `make test` runs the whole suite. Both work on a fresh machine with Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLIS_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

# The demo: three load months, a kommune or more from every region at 5 % of its size, with
# Ishøj/Vallensbæk and Tårnby/Dragør and the kommuner that change or share fagsystem.
# DEMO_KOMMUNER= (empty) generates the whole country.
DEMO_FROM ?= 2026-07
DEMO_TO ?= 2026-09
DEMO_SCALE ?= 0.05
DEMO_KOMMUNER ?= 101,147,155,183,185,187,173,265,330,479,657,751,851,461,259
PORT ?= 3000

.PHONY: run test test-langsom install demo-data materialize bench bench-ui clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo-data: install
	@if [ -d "$(FLIS_DATA_DIR)/incoming" ]; then \
		echo "Data findes allerede under $(FLIS_DATA_DIR)/incoming: genererer ikke nye demodata."; \
	else \
		$(BIN)/flis generate --from $(DEMO_FROM) --to $(DEMO_TO) --scale $(DEMO_SCALE) \
			$(if $(DEMO_KOMMUNER),--kommuner $(DEMO_KOMMUNER)); \
	fi

# not exported: the tests choose their own database
DUCKDB_FIL := $(or $(FLIS_DUCKDB),$(FLIS_DATA_DIR)/flis.duckdb)

materialize: demo-data $(DAGSTER_HOME)/dagster.yaml
	@if [ -f "$(DUCKDB_FIL)" ]; then \
		echo "FLIS er allerede indlæst ($(DUCKDB_FIL)); genindlæs med: $(BIN)/flis materialize --from $(DEMO_FROM) --to $(DEMO_TO)"; \
	else \
		$(BIN)/flis materialize --from $(DEMO_FROM) --to $(DEMO_TO); \
	fi

run: materialize
	$(BIN)/dagster dev -w workspace.yaml -p $(PORT) -h 0.0.0.0

# The suite, under ten minutes on two cores; the long end-to-end runs (marker `langsom`) apart, which
# CI (.ci/run) runs after it.
test: install
	$(BIN)/pytest -n 2 --dist loadscope -m "not langsom"

test-langsom: install
	$(BIN)/pytest -n 2 --dist loadscope -m langsom

bench: install
	$(BIN)/python bench/national_month.py

# Screenshots of datavalidering in the Dagster UI (issue 16) into bench/ui_out/: Debian's chromium
# (apt, as root or through sudo) driven by Playwright; Playwright never downloads a browser here.
bench-ui: install
	@[ -x /usr/bin/chromium ] || { S=$$([ "$$(id -u)" = 0 ] || echo sudo); $$S apt-get update && $$S apt-get install -y chromium; }
	$(BIN)/pip install --quiet --require-hashes -r bench/requirements-ui.txt
	$(BIN)/python bench/datavalidering_ui.py

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) .pytest_cache
