# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SERVICES := registry monitoring funds notifications console
export XDG_RUNTIME_DIR ?= /tmp/backstop-runtime-$(shell id -u)

.PHONY: run test bench install lint clean browser

$(STAMP): libs/common/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml) requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e "libs/common[devstack]" $(foreach s,$(SERVICES),-e services/$(s)) -r requirements-dev.txt
	touch $(STAMP)

# the console's browser tests drive Debian's Chromium through its chromedriver; CJK fonts for the pages
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; \
	fi

install: $(STAMP) browser
	@mkdir -p -m 700 $(XDG_RUNTIME_DIR)

run: install
	$(BIN)/backstop up

test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest libs/common/tests
	for s in $(SERVICES); do $(BIN)/python -m pytest services/$$s/tests; rc=$$?; \
	  [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done
	$(BIN)/python -m pytest tests

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .data
