#!/usr/bin/env bash
# Sourced by tests/run.sh: installs Debian's redis-server when missing and starts a throwaway server for this run
# (its own folder under a temp dir, a free port, bound to 127.0.0.1 only, no persistence: no RDB snapshots, no AOF),
# exports ADMINCONSOLE_TEST_REDIS (a StackExchange.Redis configuration string the tests read) and stops it on exit.
# Run on its own (`bash tests/redis.sh`) it starts a server and prints the export line, for a focused test run;
# stop it with the command it prints.

start_test_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "== installing Debian redis-server (SignalR backplane and change signals across instances)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
  fi
  # Debian's package starts a system service on 6379; the tests never use it, they start their own server below.
  REDIS_TEST_DIR=$(mktemp -d /tmp/adminconsole-redis.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  redis-server --bind 127.0.0.1 --port "$port" --dir "$REDIS_TEST_DIR" --save "" --appendonly no \
    --daemonize yes --pidfile "$REDIS_TEST_DIR/redis.pid" --logfile "$REDIS_TEST_DIR/redis.log" \
    || { cat "$REDIS_TEST_DIR/redis.log" >&2 2>/dev/null; return 1; }
  local i
  for i in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
    if [ "$i" = 100 ]; then echo "redis-server did not answer on port $port" >&2; cat "$REDIS_TEST_DIR/redis.log" >&2; return 1; fi
    sleep 0.1
  done
  REDIS_TEST_STOP="redis-cli -h 127.0.0.1 -p $port shutdown nosave"
  export ADMINCONSOLE_TEST_REDIS="127.0.0.1:$port"
  echo "== Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on port $port ($REDIS_TEST_DIR)"
}

stop_test_redis() {
  if [ -n "${REDIS_TEST_STOP:-}" ]; then
    $REDIS_TEST_STOP >/dev/null 2>&1 || true
    rm -rf "$REDIS_TEST_DIR"
    REDIS_TEST_STOP=
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  start_test_redis
  echo "export ADMINCONSOLE_TEST_REDIS=\"$ADMINCONSOLE_TEST_REDIS\""
  echo "stop: $REDIS_TEST_STOP"
fi
