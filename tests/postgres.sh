#!/usr/bin/env bash
# Sourced by tests/run.sh: installs Debian's postgresql when missing and starts a throwaway server for this run
# (its own data folder under a temp dir, a free port, trust authentication on loopback only), exports
# ADMINCONSOLE_TEST_POSTGRES (an Npgsql connection string the tests read) and stops the server on exit.
# initdb refuses to run as root, so the server runs as the `postgres` user Debian's package creates.
# Run on its own (`bash tests/postgres.sh`) it starts a server and prints the export line, for a focused test run;
# stop it with the pg_ctl command it prints.

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

start_test_postgres() {
  local bin
  if ! bin=$(pg_bin); then
    echo "== installing Debian postgresql (storage tests on PostgreSQL)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin)
  fi
  local runas=()
  if [ "$(id -u)" = 0 ]; then runas=(runuser -u postgres --); fi

  PG_TEST_DIR=$(mktemp -d /tmp/adminconsole-pg.XXXXXX)
  chmod 755 "$PG_TEST_DIR"
  [ ${#runas[@]} -gt 0 ] && chown postgres: "$PG_TEST_DIR"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  "${runas[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PG_TEST_DIR/initdb.log" 2>&1 \
    || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
  # fsync stays on and synchronous_commit at its default (on): the tests exercise the production settings.
  "${runas[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $PG_TEST_DIR -c max_connections=300 -c shared_buffers=128MB" start >/dev/null \
    || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
  PG_TEST_STOP="${runas[*]} $bin/pg_ctl -D $PG_TEST_DIR/data -m immediate stop"
  export ADMINCONSOLE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  echo "== PostgreSQL $("$bin/postgres" -V | awk '{print $3}') on port $port ($PG_TEST_DIR)"
}

stop_test_postgres() {
  if [ -n "${PG_TEST_STOP:-}" ]; then
    $PG_TEST_STOP >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
    PG_TEST_STOP=
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  start_test_postgres
  echo "export ADMINCONSOLE_TEST_POSTGRES=\"$ADMINCONSOLE_TEST_POSTGRES\""
  echo "stop: $PG_TEST_STOP"
fi
