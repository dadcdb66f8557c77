# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SERVICES := registry monitoring funds notifications console
PACKAGES := $(patsubst %/pyproject.toml,%,$(wildcard libs/*/pyproject.toml)) $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
UV_VERSION := 0.13.8
# message catalogues (backstop_common/i18n.py): each .po beside a package compiles into the .mo a service reads
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard libs/common/backstop_common/locale/*/LC_MESSAGES/*.po services/*/*/locale/*/LC_MESSAGES/*.po))
export XDG_RUNTIME_DIR ?= /tmp/backstop-runtime-$(shell id -u)

.PHONY: wrk run test bench fuzz install lock lint clean browser

# Everything installed comes from uv.lock (exact versions, hashes checked); the repository's own packages
# are installed editable on top, without resolving anything again.
$(STAMP): uv.lock pyproject.toml $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv export --locked --all-packages --all-extras --group dev --no-emit-workspace --no-header \
	  --quiet -o $(VENV)/requirements.txt
	$(BIN)/pip install --quiet --require-hashes -r $(VENV)/requirements.txt
	$(BIN)/pip install --quiet --no-deps $(foreach p,$(PACKAGES),-e $(p))
	touch $(STAMP)

# the console's browser tests drive Debian's Chromium through its chromedriver; CJK fonts for the pages
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; \
	fi

%.mo: %.po $(STAMP)
	$(BIN)/pybabel --quiet compile --statistics -i $< -o $@

install: $(STAMP) $(CATALOGUES) browser
	@mkdir -p -m 700 $(XDG_RUNTIME_DIR)

run: install
	$(BIN)/backstop up

# The test suites run side by side (docs/testing.md): each pytest session starts its own PostgreSQL and broker
# on free ports, so they share nothing but the machine. tests/ is split in two sessions: the tests on the
# session's stack (marked `stack`, tests/conftest.py) and the rest (own stacks, documents, files); they take
# longest and start first, the libraries' and services' suites share the third lane. Each session's report
# is printed whole when it ends; any failure fails `make test`, once every session has run.
TEST_RUNS := tests-on-stack tests-apart $(wildcard libs/*/tests) $(SERVICES:%=services/%/tests)
TEST_JOBS ?= 3
#: each session's own pytest folder (its servers' logs), kept until the next `make test`: sessions ending
#: side by side would otherwise prune each other's numbered basetemps, a failed one's logs with them
TEST_TMP  ?= $(or $(PYTEST_DEBUG_TEMPROOT),/tmp)/backstop-make-test
args_tests-on-stack := tests -m stack
args_tests-apart    := tests -m "not stack"

test:
	@$(MAKE) --no-print-directory --jobs=2 install  # pip and apt (the browser) at once
	$(BIN)/lint-imports
	@echo "$(words $(TEST_RUNS)) test sessions, $(TEST_JOBS) at a time; each report appears when its session ends"
	@$(MAKE) --no-print-directory --keep-going --jobs=$(TEST_JOBS) --output-sync=target $(TEST_RUNS:%=suite/%)

# one session: `make suite/services/funds/tests`, `make suite/tests-apart`; a service without tests is no failure
suite/%:
	@echo "━━ $* ━━"
	@mkdir -p $(TEST_TMP); start=$$(date +%s); \
	  $(BIN)/python -m pytest --basetemp=$(TEST_TMP)/$(subst /,-,$*) $(or $(args_$*),$*); rc=$$?; \
	  case "$*" in services/*) [ $$rc -ne 5 ] || rc=0;; esac; \
	  echo "━━ $*: $$( [ $$rc -eq 0 ] && echo passed || echo FAILED ) in $$(( $$(date +%s) - start )) s ━━"; \
	  exit $$rc

# after changing a pyproject.toml (docs/CONTRIBUTING.md): re-resolve and rewrite uv.lock
lock:
	test -x $(BIN)/uv || { test -d $(VENV) || $(PYTHON) -m venv $(VENV); $(BIN)/pip install --quiet uv==$(UV_VERSION); }
	$(BIN)/uv lock

# the deep hostile-client run (docs/testing.md): every phase, valid and invalid inputs, 25 examples per
# operation, both roles, on a fresh stack with the demo county; `make test` runs a bounded slice of it
fuzz: install
	BACKSTOP_FUZZ=deep $(BIN)/python -m pytest tests/test_zz_fuzz.py

# the HTTP benchmarks' load generator runs outside Python (issue 18): wrk, installed like the browser
wrk:
	@if ! command -v wrk >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; \
	fi

bench: install wrk
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .data
