# The two commands the README promises: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := Hello! I am Glottis, a voice studio. Type a sentence, and I will say it.

.PHONY: run test bundle system-deps system-deps-test

# The studio window, with the bundled voice loaded and the sample sentence rendered.
run: $(VENV)/.stamp-app
	$(BIN)/python -m studio --text "$(SAMPLE)"

test: $(VENV)/.stamp-test | system-deps-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

# A one-folder desktop bundle of the studio (PyInstaller) in dist/glottis-studio/; try it
# with packaging/smoke_bundle.sh. Not one of the README's two commands: it takes minutes.
bundle: $(VENV)/.stamp-app
	$(BIN)/pip install -q 'pyinstaller>=6.10'
	@# Resemblyzer pulls in the 'typing' backport, which the standard library shadows anyway
	@# and PyInstaller refuses to run beside.
	$(BIN)/pip uninstall -q -y typing 2>/dev/null || true
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/glottis-studio.spec

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
