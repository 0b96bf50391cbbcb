#!/usr/bin/env bash
# Creates (or reuses) an isolated virtual environment holding the real ftrack
# Python client (ftrack-python-api), and prints the path of its python.
#
# The client pins old dependencies (arrow<1, pyparsing<3, websocket-client<1)
# that clash with the rest of the test environment, so it lives in its own
# venv and the tests drive it as a subprocess (tests/ftrack/driver.py).
#
# Usage:  PY=$(bash scripts/ftrack-venv.sh)
# Env:    TRACKFRAMES_FTRACK_VENV  venv directory
#                                  (default: ${XDG_CACHE_HOME:-~/.cache}/trackframes/ftrack-venv)
#         TRACKFRAMES_FTRACK_API   pip requirement to install
#                                  (default: ftrack-python-api==3.1.0)
#         PYTHON                   interpreter that creates the venv (default: python3)
#
# Idempotent: when the venv already imports the pinned version, nothing is
# installed and the script returns at once. Only stdout carries the path;
# progress goes to stderr.
#
# Safety: pip only ever runs with an interpreter whose sys.prefix is that venv
# directory, so the old pins can never land in another environment. A
# directory that exists but is not a venv (no pyvenv.cfg) is refused, never
# cleared.
set -euo pipefail

VENV="${TRACKFRAMES_FTRACK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/trackframes/ftrack-venv}"
REQUIREMENT="${TRACKFRAMES_FTRACK_API:-ftrack-python-api==3.1.0}"
PYTHON="${PYTHON:-python3}"
WANT_VERSION=""
case "$REQUIREMENT" in *==*) WANT_VERSION="${REQUIREMENT##*==}" ;; esac
VENV_PY="$VENV/bin/python"

export PIP_DISABLE_PIP_VERSION_CHECK=1

own_venv() {
    # True when $VENV_PY runs inside $VENV itself (a venv, not a base interpreter).
    [ -x "$VENV_PY" ] || return 1
    "$VENV_PY" -c '
import os, sys
own = sys.prefix != sys.base_prefix and os.path.realpath(sys.prefix) == os.path.realpath(sys.argv[1])
sys.exit(0 if own else 1)' "$VENV" 2>/dev/null
}

ready() {
    # True when the venv is ours and imports ftrack_api at the wanted version
    # (any version when the requirement pins none). One interpreter start.
    [ -x "$VENV_PY" ] || return 1
    local have
    have="$("$VENV_PY" -c '
import os, sys
if sys.prefix == sys.base_prefix or os.path.realpath(sys.prefix) != os.path.realpath(sys.argv[1]):
    sys.exit(1)
import ftrack_api
print(ftrack_api.__version__)' "$VENV" 2>/dev/null || true)"
    [ -n "$have" ] || return 1
    [ -z "$WANT_VERSION" ] || [ "$have" = "$WANT_VERSION" ]
}

if ready; then
    echo "$VENV_PY"
    exit 0
fi

if [ -e "$VENV" ] && [ ! -f "$VENV/pyvenv.cfg" ] && [ -n "$(ls -A "$VENV" 2>/dev/null)" ]; then
    echo "$VENV exists and is not a virtual environment (no pyvenv.cfg); refusing to touch it." \
         "Point TRACKFRAMES_FTRACK_VENV at a new or venv directory." >&2
    exit 1
fi

# One builder at a time: parallel test runs may call this script together.
mkdir -p "$(dirname "$VENV")"
LOCK="$VENV.lock"
exec 9>"$LOCK"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

# Another process may have finished the build while this one waited.
if ready; then
    echo "$VENV_PY"
    exit 0
fi

if ! own_venv || ! "$VENV_PY" -m pip --version >/dev/null 2>&1; then
    # missing, or left half-made by an interrupted build (a venv dir: safe to clear)
    echo "creating venv $VENV" >&2
    "$PYTHON" -m venv --clear "$VENV" >&2
fi

if ! own_venv; then
    echo "$VENV_PY does not run inside $VENV; not installing anything." >&2
    exit 1
fi

echo "installing $REQUIREMENT into $VENV" >&2
"$VENV_PY" -m pip install --quiet "$REQUIREMENT" >&2

if ! ready; then
    echo "ftrack venv at $VENV does not import ftrack_api ${WANT_VERSION:-(any version)} after install" >&2
    exit 1
fi
echo "$VENV_PY"
