#!/usr/bin/env bash
# The commands a newcomer copies from the docs, each run as written in a fresh virtual environment:
#   - README.md's demo command (`pip install . && trackframes demo`);
#   - every `pip install ...` line of docs/quickstart.md, with the commands shown after it
#     (or `python -c "import trackframes"` when none are).
# Each check gets its own copy of the checkout (tracked and new, non-ignored files) and its own
# `python3 -m venv`; nothing from the calling environment (PYTHONPATH, TRACKFRAMES_*) leaks in.
# A check passes when it exits 0, prints no traceback and, when it runs the demo, writes every
# file the demo promises (the four Parquet files, gantt.png, utilization.png, summary.csv), non-empty.
# pip's download cache is used, so repeated runs stay fast.
#
# Usage: bash scripts/fresh-venv-check.sh [--readme]     (--readme: the README's demo command only)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DEMO_FILES="tasks.parquet shots.parquet versions.parquet time_logs.parquet gantt.png utilization.png summary.csv"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/trackframes-fresh-venv.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
for name in $(env | sed -n 's/^\(TRACKFRAMES_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done

checks=$(python3 scripts/doc-commands.py "$@") || exit 1

copy_checkout() {  # $1: destination
    mkdir -p "$1"
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
            | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
            | xargs -0 cp --parents -t "$1")
    else
        (cd "$ROOT" && tar --exclude=.git --exclude='*.egg-info' --exclude=build --exclude=trackframes-demo -cf - .) \
            | (cd "$1" && tar -xf -)
    fi
}

failed=0
n=0
while IFS=$'\t' read -r source encoded; do
    n=$((n + 1))
    cmd=${encoded//$'\x1f'/$'\n'}
    dir="$WORK/check-$n"
    copy_checkout "$dir/repo"
    python3 -m venv "$dir/venv"
    log="$dir/log.txt"
    shown=${cmd//$'\n'/ ; }
    echo "fresh-venv-check: [$source] $shown"
    started=$SECONDS
    # the venv is activated the way a user would, then the lines run as written, stopping at the first failure
    (cd "$dir/repo" && . "$dir/venv/bin/activate" && bash -e -c "$cmd") >"$log" 2>&1
    status=$?
    problems=""
    [ "$status" -eq 0 ] || problems="exit status $status"
    if grep -q "Traceback (most recent call last)" "$log"; then problems="$problems; a traceback"; fi
    if [[ "$cmd" == *"trackframes demo"* ]]; then
        for f in $DEMO_FILES; do
            [ -s "$dir/repo/trackframes-demo/$f" ] || problems="$problems; trackframes-demo/$f missing or empty"
        done
    fi
    if [ -n "$problems" ]; then
        failed=1
        tail -25 "$log"
        echo "fresh-venv-check: FAILED [$source] $shown: ${problems#; }"
    else
        echo "fresh-venv-check: ok in $((SECONDS - started)) s"
    fi
done <<<"$checks"

[ "$n" -gt 0 ] || { echo "fresh-venv-check: no command found"; exit 1; }
exit "$failed"
