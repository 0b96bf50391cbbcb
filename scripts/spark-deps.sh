#!/usr/bin/env bash
# Installs what the Spark test (tests/scale/test_engines.py) needs: a Java runtime from the Debian
# packages (openjdk-17-jre-headless: Spark 4 runs on Java 17 or 21) when no java >= 17 is on PATH,
# and pyspark from pip (about 450 MB; kept out of the [dev] extra for that reason).
# Safe to run repeatedly: the JRE is installed only when it is missing.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

java_ok() {
    command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'
}

if ! java_ok; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    fi
    # slim images drop the man directories, and the JRE's post-install step needs this one
    $SUDO mkdir -p /usr/share/man/man1
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends openjdk-17-jre-headless
fi

python3 -m pip install --quiet "pyspark>=4.0"
