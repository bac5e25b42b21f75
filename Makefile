# The README's two commands: `make run` and `make test`. Both start from `make install`,
# which needs nothing but Python 3.11+ on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint format messages

# The environment without pip (ensurepip takes seconds), uv put in by the machine's own pip
# when it can install into another environment (pip 22.3+); otherwise pip in the venv as before.
$(BIN)/uv:
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check uv \
		2>/dev/null || { $(BIN)/python -m ensurepip --default-pip >/dev/null && \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check uv; }

# `make run` needs the platform's packages only; the test tools come with `make test`. The
# dependencies are read from pyproject.toml: the project itself is not built (it installs no
# package; manage.py runs from the checkout).
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r pyproject.toml
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r pyproject.toml --extra test
	touch $@

install: $(VENV)/.installed $(VENV)/.installed-test

run: $(VENV)/.installed
	$(BIN)/python manage.py serve --port $(PORT)

# The suite runs on every core up to four (each worker has its own test database);
# TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test
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

