# The README's two commands: `make run` and `make test`. Both start from `make install`,
# which needs nothing but Python 3.11+ on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint format messages

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py serve --port $(PORT)

# The suite runs on every core up to four (each worker has its own test database);
# TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --maxprocesses 4 --dist worksteal $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract translatable strings after changing them, fill in the Chinese in
# locale/zh_Hans/LC_MESSAGES/django.po, and run it again to compile. The test suite fails
# while a string lacks its translation or the compiled catalogue is stale.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'bench/*'
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

