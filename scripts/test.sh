#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs it.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".[dev]"
# the notebooks run on a kernel named python3 that sees this installation
python3 -m ipykernel install --user --name python3 >/dev/null

# headless Chromium (Debian package), Playwright and JupyterLab for the browser test of the widgets
bash scripts/browser-deps.sh
bash scripts/spark-deps.sh   # a Java runtime (Debian package) and pyspark, for the Spark test of exported datasets

python3 -m pytest "$@"
