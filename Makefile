# Entry points: `make run` (the assistant on the shipped plan), `make test` (every tier, as CI runs it)
# and `make test-fast` (the unit tier, under a minute).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned to the CPU build so pip does not pull a multi-GB CUDA one.
TORCH := torch==2.13.0

.PHONY: run test test-fast chromium typesetter

$(BIN)/qa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check $(TORCH) -e ".[test,ocr,milvus]"
	touch $@

run: $(BIN)/qa
	$(BIN)/qa serve

# Browser tests drive Debian's Chromium (with CJK fonts for screenshots); install it when missing.
chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Tests typeset real Word files as PDFs with LibreOffice, and OCR (opencv) needs libGL; install them when missing.
typesetter:
	@command -v soffice >/dev/null && ldconfig -p | grep -q libGL.so.1 || \
	  { apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui fonts-noto-cjk libgl1 libglib2.0-0 >/dev/null; }

test: $(BIN)/qa chromium typesetter
	$(BIN)/python -m pytest

# The unit tier while editing: no real model (a fake encoder stands in), no server, browser or ../shared,
# so neither Chromium nor LibreOffice is needed; tests/conftest.py fails it if torch or onnxruntime gets imported.
test-fast: $(BIN)/qa
	$(BIN)/python -m pytest -m "not slow and not browser and not integration and not corpus" -q
