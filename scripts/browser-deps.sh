#!/usr/bin/env bash
# Installs what the real-browser widget test (tests/widgets/test_browser.py) needs:
# Chromium from the Debian packages, and Playwright + JupyterLab from pip.
# Playwright drives the system Chromium (/usr/bin/chromium) through
# executable_path, so `playwright install` (which downloads a browser) is never run.
# Safe to run repeatedly: Chromium is installed only when it is missing.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    fi
    $SUDO apt-get update
    $SUDO apt-get install -y chromium
fi

python3 -m pip install --quiet playwright jupyterlab
