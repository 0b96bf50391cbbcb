#!/usr/bin/env bash
# A real Zou (Kitsu's API server) on 127.0.0.1 for the Kitsu tests.
#
# Usage: bash scripts/zou.sh up|down|status|reset
#   up      start PostgreSQL 15, Redis 7 and Zou (gunicorn, gevent workers);
#           installs what is missing first (Debian packages, Zou's venv).
#           Idempotent: when everything is up already it only prints the env.
#           Prints ZOU_URL, ZOU_ADMIN_EMAIL and ZOU_ENV_FILE on stdout
#           (progress goes to stderr); the admin password is in ZOU_ENV_FILE.
#   down    stop what `up` started, by its PID files, and nothing else.
#   status  say what runs; exit 0 when Zou answers, 3 otherwise.
#   reset   down, then delete the state folder (database included).
#
# Environment:
#   TRACKFRAMES_ZOU_HOME     state folder (default /tmp/trackframes-zou):
#                            database, logs, PID files, zou.env
#   TRACKFRAMES_ZOU_VENV     Zou's virtual environment
#                            (default ~/.cache/trackframes/zou-venv)
#   TRACKFRAMES_ZOU_PORT     API port (default: kept from the last run, or free)
#   TRACKFRAMES_ZOU_WORKERS  gunicorn workers (default 2)
#   TRACKFRAMES_ZOU_PYTHON   interpreter that builds the venv (default python3)
#
# At run time nothing but 127.0.0.1 is contacted: mail, the search indexer,
# the job queue, telemetry and error reporting are all switched off.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQUIREMENTS=$HERE/zou-requirements.txt
ZOU_VERSION=$(sed -n 's/^zou==\([0-9.]*\).*/\1/p' "$REQUIREMENTS")
STATE=$(realpath -m "${TRACKFRAMES_ZOU_HOME:-/tmp/trackframes-zou}")
VENV=${TRACKFRAMES_ZOU_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/trackframes/zou-venv}
PYTHON=${TRACKFRAMES_ZOU_PYTHON:-python3}
WORKERS=${TRACKFRAMES_ZOU_WORKERS:-2}
PG_BIN=/usr/lib/postgresql/15/bin
REDIS_SERVER=/usr/bin/redis-server

PGDATA=$STATE/pgdata
PGSOCK=$STATE/pgsock
RUN=$STATE/run
LOG=$STATE/log
ENV_FILE=$STATE/zou.env
SECRETS=$STATE/secrets.env
PORTS=$STATE/ports.env
INITIALISED=$STATE/zou-initialised
ADMIN_EMAIL=admin@trackframes.example
DB_NAME=zoudb
DB_USER=zou

log() { echo "zou.sh: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }

# PostgreSQL refuses to run as root: as root, its commands run as `postgres`.
as_pg() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

show_log() { # file [lines]
    if [ -f "$1" ]; then
        log "last lines of $1:"
        tail -n "${2:-30}" "$1" >&2
    fi
}

# --- processes, by PID file ------------------------------------------------

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]
}

# pid_of FILE PATTERN: the PID in FILE when that process is alive and its
# command line contains PATTERN (so a recycled PID is never mistaken for ours).
pid_of() {
    local pid
    [ -f "$1" ] || return 1
    pid=$(head -n 1 "$1" 2>/dev/null | tr -dc '0-9')
    [ -n "$pid" ] && alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
    echo "$pid"
}

stop_pid() { # name file pattern
    local pid i
    if ! pid=$(pid_of "$2" "$3"); then
        rm -f "$2"
        return 0
    fi
    log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        alive "$pid" || break
        sleep 0.2
    done
    if alive "$pid"; then
        log "$1 (pid $pid) ignored TERM for 20 s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$2"
}

pg_running() {
    [ -f "$PGDATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}
redis_pid() { pid_of "$RUN/redis.pid" "redis-server 127.0.0.1:${REDIS_PORT:-}"; }
zou_pid() { pid_of "$RUN/zou.pid" "$RUN/zou.pid"; }

# --- installation ----------------------------------------------------------

ensure_packages() {
    local missing=()
    [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
    [ -x "$REDIS_SERVER" ] || missing+=(redis-server)
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 ||
            die "missing Debian packages ${missing[*]}: install them as root (apt-get install -y ${missing[*]})"
        sudo=sudo
    fi
    log "installing Debian packages: ${missing[*]}"
    mkdir -p "$LOG"
    if ! { $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"; } >"$LOG/apt.log" 2>&1; then
        show_log "$LOG/apt.log" 40
        die "apt-get install ${missing[*]} failed"
    fi
}

ensure_venv() {
    local want
    want=$(sha256sum "$REQUIREMENTS" | cut -d ' ' -f 1)
    if [ -x "$VENV/bin/gunicorn" ] && [ -x "$VENV/bin/zou" ] &&
        [ "$(cat "$VENV/.trackframes-requirements" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    log "installing zou $ZOU_VERSION into $VENV (once; about a minute)"
    mkdir -p "$LOG"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "$PYTHON -m venv $VENV failed (Zou needs Python 3.10 to 3.14)"
    if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS" >"$LOG/pip.log" 2>&1; then
        grep -v '^WARNING: Location' "$LOG/pip.log" | tail -n 40 >&2
        rm -rf "$VENV"
        die "pip install -r $REQUIREMENTS failed (full log: $LOG/pip.log)"
    fi
    echo "$want" >"$VENV/.trackframes-requirements"
}

# --- state: folders, secrets, ports ----------------------------------------

py() { "$PYTHON" -c "$@"; }
free_port() { py 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# SO_REUSEADDR as the servers set it: a port left in TIME_WAIT counts as free.
port_is_free() {
    py 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
token() { py 'import secrets; print(secrets.token_urlsafe(24))'; }

prepare_state() {
    mkdir -p "$STATE" "$RUN" "$LOG" "$STATE/redis-data" "$STATE/previews" "$STATE/tmp" \
        "$STATE/plugins" "$STATE/hooks"
    chmod 755 "$STATE"
    if is_root; then
        runuser -u postgres -- test -x "$STATE" ||
            die "the postgres user cannot enter $STATE: set TRACKFRAMES_ZOU_HOME to a folder every user can traverse (e.g. under /tmp)"
    fi
    if [ ! -f "$SECRETS" ]; then
        (
            umask 077
            {
                echo "DB_PASSWORD=$(token)"
                echo "SECRET_KEY=$(token)"
                echo "ADMIN_PASSWORD=$(token)"
            } >"$SECRETS"
        )
    fi
    # shellcheck disable=SC1090
    . "$SECRETS"
}

load_ports() {
    PG_PORT="" REDIS_PORT="" ZOU_PORT=""
    # shellcheck disable=SC1090
    [ -f "$PORTS" ] && . "$PORTS"
    return 0
}

choose_ports() {
    load_ports
    if ! pg_running && { [ -z "$PG_PORT" ] || ! port_is_free "$PG_PORT"; }; then
        PG_PORT=$(free_port)
    fi
    if ! redis_pid >/dev/null && { [ -z "$REDIS_PORT" ] || ! port_is_free "$REDIS_PORT"; }; then
        REDIS_PORT=$(free_port)
    fi
    if ! zou_pid >/dev/null; then
        if [ -n "${TRACKFRAMES_ZOU_PORT:-}" ]; then
            ZOU_PORT=$TRACKFRAMES_ZOU_PORT
            port_is_free "$ZOU_PORT" || die "TRACKFRAMES_ZOU_PORT=$ZOU_PORT is taken on 127.0.0.1"
        elif [ -z "$ZOU_PORT" ] || ! port_is_free "$ZOU_PORT"; then
            ZOU_PORT=$(free_port)
        fi
    fi
    printf 'PG_PORT=%s\nREDIS_PORT=%s\nZOU_PORT=%s\n' "$PG_PORT" "$REDIS_PORT" "$ZOU_PORT" >"$PORTS"
}

# --- PostgreSQL ------------------------------------------------------------

init_pg() {
    [ -f "$PGDATA/PG_VERSION" ] && return 0
    log "creating the PostgreSQL cluster in $PGDATA"
    rm -rf "$PGDATA" "$INITIALISED"
    mkdir -p "$PGDATA" "$PGSOCK"
    touch "$LOG/postgres.log"
    if is_root; then
        chown postgres: "$PGDATA" "$PGSOCK" "$LOG/postgres.log"
    fi
    chmod 700 "$PGDATA"
    local pwfile=$PGSOCK/initdb-password
    (
        umask 077
        echo "$DB_PASSWORD" >"$pwfile"
    )
    is_root && chown postgres: "$pwfile"
    if ! as_pg "$PG_BIN/initdb" -D "$PGDATA" -U "$DB_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale \
        >"$LOG/initdb.log" 2>&1; then
        rm -f "$pwfile"
        show_log "$LOG/initdb.log"
        rm -rf "$PGDATA"
        die "initdb failed"
    fi
    rm -f "$pwfile"
    cat >>"$PGDATA/postgresql.conf" <<EOF

# trackframes test server: loopback only, durability traded for speed
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
}

start_pg() {
    pg_running && return 0
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOG/postgres.log" -o "-p $PG_PORT" -w -t 60 start >/dev/null 2>&1 9>&-; then
        show_log "$LOG/postgres.log"
        die "PostgreSQL did not start"
    fi
    if [ "$(as_pg "$PG_BIN/psql" -h "$PGSOCK" -p "$PG_PORT" -U "$DB_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
        as_pg "$PG_BIN/createdb" -h "$PGSOCK" -p "$PG_PORT" -U "$DB_USER" "$DB_NAME"
        rm -f "$INITIALISED"
    fi
}

# --- Redis -----------------------------------------------------------------

start_redis() {
    redis_pid >/dev/null && return 0
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    rm -f "$RUN/redis.pid"
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
        --save '' --appendonly no --daemonize yes --pidfile "$RUN/redis.pid" \
        --logfile "$LOG/redis.log" --dir "$STATE/redis-data" >/dev/null 9>&-
    local i
    for i in $(seq 1 50); do
        redis_pid >/dev/null && return 0
        sleep 0.1
    done
    show_log "$LOG/redis.log"
    die "Redis did not start"
}

# --- Zou -------------------------------------------------------------------

# Zou reads its whole configuration from the environment (zou/app/config.py);
# it runs with this environment only, whatever the caller's holds.
zou_env() {
    ZOU_ENV=(
        "PATH=$VENV/bin:/usr/local/bin:/usr/bin:/bin"
        "HOME=$STATE"
        "LANG=C.UTF-8"
        "DB_HOST=127.0.0.1" "DB_PORT=$PG_PORT" "DB_USERNAME=$DB_USER"
        "DB_PASSWORD=$DB_PASSWORD" "DB_DATABASE=$DB_NAME"
        "DB_POOL_SIZE=10" "DB_MAX_OVERFLOW=20"
        "KV_HOST=127.0.0.1" "KV_PORT=$REDIS_PORT"
        "SECRET_KEY=$SECRET_KEY"
        # cheaper password hashes: test accounts log in often, nobody attacks them
        "BCRYPT_LOG_ROUNDS=6"
        "PREVIEW_FOLDER=$STATE/previews" "TMP_DIR=$STATE/tmp"
        # an empty folder: Zou imports a package named event_handlers from it
        "PLUGIN_FOLDER=$STATE/plugins" "EVENT_HANDLERS_FOLDER=$STATE/hooks"
        "MAIL_ENABLED=false" "MAIL_CHECK_DELIVERABILITY=false"
        "ENABLE_JOB_QUEUE=false" "SENTRY_ENABLED=false" "SENTRY_KITSU_ENABLED=false"
        "PROMETHEUS_METRICS_ENABLED=false" "SAML_ENABLED=false" "OIDC_ENABLED=false"
        "EVENT_STREAM_HOST=127.0.0.1" "LDAP_HOST=127.0.0.1"
        "TELEMETRY_URL=http://127.0.0.1:9/telemetry"
    )
}

zou_cli() {
    (cd "$STATE" && env -i "${ZOU_ENV[@]}" "$VENV/bin/zou" "$@")
}

init_zou() {
    [ -f "$INITIALISED" ] && return 0
    log "initialising Zou's database (init-db, init-data, create-admin)"
    {
        zou_cli init-db &&
            zou_cli init-data &&
            zou_cli create-admin "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD"
    } >"$LOG/zou-init.log" 2>&1 || {
        show_log "$LOG/zou-init.log" 40
        die "Zou's database initialisation failed"
    }
    touch "$INITIALISED"
}

api_answers() { # url
    "$VENV/bin/python" - "$1" <<'EOF' >/dev/null 2>&1
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1], timeout=5) as response:
    sys.exit(0 if json.load(response).get("api") == "Zou" else 1)
EOF
}

start_zou() {
    local url="http://127.0.0.1:$ZOU_PORT/api/"
    if ! zou_pid >/dev/null; then
        log "starting Zou (gunicorn, $WORKERS gevent workers) on 127.0.0.1:$ZOU_PORT"
        rm -f "$RUN/zou.pid"
        # SCRIPT_NAME=/api serves the API under /api, as Kitsu's nginx does.
        (cd "$STATE" && env -i "${ZOU_ENV[@]}" SCRIPT_NAME=/api \
            "$VENV/bin/gunicorn" -k gevent -w "$WORKERS" -b "127.0.0.1:$ZOU_PORT" \
            --daemon --pid "$RUN/zou.pid" --timeout 120 --graceful-timeout 10 \
            --capture-output --error-logfile "$LOG/zou.log" --access-logfile "$LOG/zou-access.log" \
            zou.app:app 9>&-) || die "gunicorn did not start"
    fi
    local deadline=$((SECONDS + 120))
    until api_answers "$url"; do
        if [ $SECONDS -ge $deadline ]; then
            show_log "$LOG/zou.log" 40
            die "Zou did not answer on $url within 120 s"
        fi
        if [ $SECONDS -ge $((deadline - 110)) ] && ! zou_pid >/dev/null; then
            show_log "$LOG/zou.log" 40
            die "gunicorn exited"
        fi
        sleep 0.5
    done
}

write_env() {
    (
        umask 077
        cat >"$ENV_FILE" <<EOF
ZOU_URL=http://127.0.0.1:$ZOU_PORT/api
ZOU_ADMIN_EMAIL=$ADMIN_EMAIL
ZOU_ADMIN_PASSWORD=$ADMIN_PASSWORD
ZOU_VERSION=$ZOU_VERSION
ZOU_HOME=$STATE
EOF
    )
}

print_env() {
    echo "ZOU_URL=http://127.0.0.1:$ZOU_PORT/api"
    echo "ZOU_ADMIN_EMAIL=$ADMIN_EMAIL"
    echo "ZOU_ENV_FILE=$ENV_FILE"
    echo "ZOU_VERSION=$ZOU_VERSION"
}

lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 600 9 || die "another zou.sh holds $STATE/.lock"
}

# The lock (fd 9) is closed in every daemon started above, so that it is
# released when this script ends.

# --- commands --------------------------------------------------------------

cmd_up() {
    lock
    ensure_packages
    prepare_state
    ensure_venv
    choose_ports
    init_pg
    start_pg
    start_redis
    zou_env
    init_zou
    start_zou
    write_env
    print_env
}

cmd_down() {
    [ -d "$STATE" ] || return 0
    lock
    load_ports
    stop_pid "Zou" "$RUN/zou.pid" "$RUN/zou.pid"
    stop_pid "Redis" "$RUN/redis.pid" "redis-server 127.0.0.1:$REDIS_PORT"
    if pg_running; then
        log "stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    fi
}

cmd_status() {
    local ok=0 pid
    load_ports
    if pg_running; then
        echo "postgres: running on 127.0.0.1:$PG_PORT (pid $(head -n 1 "$PGDATA/postmaster.pid"))"
    else
        echo "postgres: stopped"
        ok=3
    fi
    if pid=$(redis_pid); then
        echo "redis: running on 127.0.0.1:$REDIS_PORT (pid $pid)"
    else
        echo "redis: stopped"
        ok=3
    fi
    if pid=$(zou_pid) && api_answers "http://127.0.0.1:$ZOU_PORT/api/"; then
        echo "zou: answering on http://127.0.0.1:$ZOU_PORT/api (pid $pid)"
    elif [ -n "${pid:-}" ]; then
        echo "zou: running (pid $pid) but not answering on http://127.0.0.1:$ZOU_PORT/api"
        ok=3
    else
        echo "zou: stopped"
        ok=3
    fi
    return $ok
}

cmd_reset() {
    cmd_down
    case "$STATE" in
    "" | / | "$HOME") die "refusing to delete $STATE" ;;
    esac
    log "deleting $STATE"
    rm -rf "$STATE"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
reset) cmd_reset ;;
*)
    echo "usage: bash scripts/zou.sh up|down|status|reset" >&2
    exit 2
    ;;
esac
