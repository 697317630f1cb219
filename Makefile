# Two entry points: `make run` (the assistant on the shipped plan) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned to the CPU build so pip does not pull a multi-GB CUDA one.
TORCH := torch==2.13.0

.PHONY: run test chromium

$(BIN)/qa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check $(TORCH) -e ".[test]"
	touch $@

run: $(BIN)/qa
	$(BIN)/qa serve

# Browser tests drive Debian's Chromium (with CJK fonts for screenshots); install it when missing.
chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: $(BIN)/qa chromium
	$(BIN)/python -m pytest
