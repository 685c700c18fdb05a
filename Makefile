# The two commands the README promises: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := Hello! I am Glottis, a voice studio. Type a sentence, and I will say it.

.PHONY: run test system-deps system-deps-test

# The studio window, with the bundled voice loaded and the sample sentence rendered.
run: $(VENV)/.stamp-app
	$(BIN)/python -m studio --text "$(SAMPLE)"

test: $(VENV)/.stamp-test | system-deps-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

system-deps:
	@scripts/install-system-deps.sh $(PYTHON)

# Also Xvfb and PulseAudio, which the studio's tests run against.
system-deps-test:
	@scripts/install-system-deps.sh $(PYTHON) --test

$(BIN)/python: | system-deps
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

$(VENV)/.stamp-app: pyproject.toml | system-deps $(BIN)/python
	$(BIN)/pip install -q -e '.[quality]'
	touch $@

$(VENV)/.stamp-test: pyproject.toml | system-deps $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.stamp-app
