#!/bin/sh
# Set up everything the test suite needs on a fresh machine, then run it.
# Usage: sh scripts/test.sh [pytest args]
set -eu
cd "$(dirname "$0")/.."

# Headless Chromium for the report's browser tests (Debian package; needs root or sudo).
if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# The FinOps Foundation's FOCUS validator pins older numpy/pandas: its own virtualenv.
if [ ! -x .venv-focus/bin/focus-validator ]; then
    "$PY" -m venv .venv-focus
    .venv-focus/bin/python -m pip install -q 'focus-validator==1.0.0' 'multimethod<2'
fi
# SkyPilot's task schema and kubernetes-validate check 'advisor export' output; SkyPilot pins
# its own dependency versions, so the validators get their own virtualenv (advisor[export]).
if [ ! -x .venv-export/bin/python ] || ! .venv-export/bin/python -c 'import sky, kubernetes_validate' 2>/dev/null; then
    "$PY" -m venv .venv-export
    .venv-export/bin/python -m pip install -q 'skypilot==0.14.1' 'kubernetes-validate==1.37.0'
fi
export ADVISOR_REQUIRE_VALIDATORS=1
.venv/bin/python -m ruff check advisor tests tools benchmarks
.venv/bin/python -m ruff format --check advisor tests tools benchmarks
.venv/bin/python -m mypy
exec .venv/bin/python -m pytest -n 2 -q "$@"
