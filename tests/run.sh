#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, then runs every test project.
# `bash tests/run.sh` with no argument is the CI command (.ci/run calls it): every test, nothing left out.
#
# `bash tests/run.sh --fast` is the inner loop. Tests that need something slow to start or install carry
# [Trait("Needs", "...")]: Node (the npm oracles and peers), Chromium (the whole E2E assembly), Publish
# (`dotnet publish`), Process (a child `dotnet` process) or Volume (writes tens of thousands of rows to
# measure memory; the slowest test on its own). --fast runs every test without such a trait
# (filter below), builds only the projects in tests/fast.slnf and skips the chromium and npm installs.
# A new test that needs one of these must carry the trait, or --fast stops being fast.
set -euo pipefail
cd "$(dirname "$0")/.."

fast=false
case "${1:-}" in
  "") ;;
  --fast) fast=true ;;
  *) echo "usage: bash tests/run.sh [--fast]" >&2; exit 64 ;;
esac

if $fast; then
  echo "== --fast: leaving out tests that need Node, Chromium, dotnet publish, a child process or a large volume"
  target=tests/fast.slnf
  filter=(--filter "Needs!=Node&Needs!=Chromium&Needs!=Publish&Needs!=Process&Needs!=Volume")
else
  target=AdminConsole.sln
  filter=()

  if [ ! -x /usr/bin/chromium ]; then
    echo "== installing Debian chromium (browser tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  fi

  if [ -f tests/interop/package-lock.json ]; then
    if [ ! -d tests/interop/node_modules ] || [ tests/interop/package-lock.json -nt tests/interop/node_modules/.package-lock.json ]; then
      echo "== npm ci (tests/interop: pusher, pusher-js)"
      (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
fi

# The storage tests run on SQLite and on PostgreSQL, the scale-out tests against PostgreSQL and Redis: throwaway
# servers for this run, both stopped on exit.
source tests/postgres.sh
source tests/redis.sh
trap 'stop_test_redis; stop_test_postgres' EXIT
start_test_postgres
start_test_redis

echo "== dotnet tool restore"
dotnet tool restore >/dev/null

echo "== dotnet build"
dotnet build "$target" -c Release --nologo -v q

echo "== dotnet test"
results=$(mktemp -d)
status=0
started=$SECONDS
dotnet test "$target" -c Release --no-build --nologo "${filter[@]}" \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" \
  -- RunConfiguration.TreatNoTestsAsError=true || status=$?

# One closing line over every test project, in the plain form CI reads.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
rm -rf "$results"

if ! $fast; then
  # One style (.editorconfig): whitespace, code style and analyzers. `dotnet format AdminConsole.sln` fixes what it reports.
  echo "== dotnet format --verify-no-changes"
  if ! dotnet format AdminConsole.sln --verify-no-changes --no-restore; then
    echo "dotnet format: the code does not follow .editorconfig; run 'dotnet format AdminConsole.sln'" >&2
    status=1
  fi
fi
if $fast; then echo "== dotnet test took $((SECONDS - started)) s"; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
