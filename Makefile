# keras-course: `make serve` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve test test-loaded build check dev-check bench lint clean system-deps

# The browser tests drive Debian's Chromium, the site's figures and its web font are made from a
# Hangul font (Debian's fonts-nanum), the grader's sandbox is bubblewrap, the job-array test starts
# a one-node SLURM (slurm-wlm, munge), the container tests build the grader's image with podman (runc,
# as crun refuses a hybrid cgroup layout) on a Debian base made by debootstrap, and the seccomp test
# checks the filter's system-call numbers with libseccomp's resolver (seccomp): installed once, when
# missing, with apt-get (as root, or sudo).
CHROMIUM := /usr/bin/chromium
NANUM := /usr/share/fonts/truetype/nanum/NanumGothic.ttf
BWRAP := /usr/bin/bwrap
SLURMCTLD := /usr/sbin/slurmctld
MUNGED := /usr/sbin/munged
PODMAN := /usr/bin/podman
RUNC := /usr/sbin/runc
DEBOOTSTRAP := /usr/sbin/debootstrap
SCMP_RESOLVER := /usr/bin/scmp_sys_resolver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

install: $(STAMP)

# Re-run only when the dependency list or the pins change; uv makes a full install about a minute.
# Everything the repository's tests and site need: the core (what the grader's image and Gradescope
# install) and the extras dev, docs and nbgrader (pyproject.toml), with TensorFlow, Keras and numpy at
# the versions step 4 was calibrated with (constraints.txt, generated from autograder/calibration.json).
$(STAMP): pyproject.toml constraints.txt
	@command -v python3 >/dev/null || { echo "python3 (3.11, 3.12 or 3.13) is required"; exit 1; }
	@test -x $(VENV)/bin/uv || { python3 -m venv $(VENV) && $(VENV)/bin/pip install -q uv; }
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev,docs,nbgrader]' -c constraints.txt
	@# The grader's sandbox mounts the venv read-only: compile it once, or every child compiles TensorFlow.
	$(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	@touch $(STAMP)

serve: install
	$(VENV)/bin/mkdocs serve -a 127.0.0.1:8000

build: install
	$(PY) -m sitegen.build

check: install
	$(PY) -m sitegen.build --check

# Every step's pieces, each missing or stale one named with its fix (keras-course dev check): first,
# as it says what is wrong in a few seconds, without TensorFlow.
dev-check: install
	$(PY) -m sitegen.dev_check

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# loadgroup: the tests of tests/test_site.py share one site build and one browser, on one worker.
test: install dev-check system-deps check lint
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# Flaky is broken: the whole suite RUNS times in a row while a burner keeps every core busy.
RUNS := 3
test-loaded: install dev-check system-deps check lint
	$(PY) benchmarks/under_load.py --runs $(RUNS) -- $(VENV)/bin/pytest -n 2 --dist loadgroup

bench: install
	$(PY) benchmarks/bench.py

system-deps:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(NANUM) ] || [ ! -x $(BWRAP) ] || [ ! -x $(SLURMCTLD) ] || [ ! -x $(MUNGED) ] \
	    || [ ! -x $(PODMAN) ] || [ ! -x $(RUNC) ] || [ ! -x $(DEBOOTSTRAP) ] || [ ! -x $(SCMP_RESOLVER) ]; then \
	  command -v apt-get >/dev/null || { echo "install Chromium ($(CHROMIUM)), fonts-nanum, bubblewrap, slurm-wlm, munge, podman, runc, debootstrap and seccomp first"; exit 1; }; \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-nanum bubblewrap slurm-wlm munge \
	    podman runc debootstrap seccomp; \
	fi


clean:
	rm -rf $(VENV) site .pytest_cache
