#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, then runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."

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

echo "== dotnet tool restore"
dotnet tool restore >/dev/null

echo "== dotnet build"
dotnet build AdminConsole.sln -c Release --nologo -v q

echo "== dotnet test"
results=$(mktemp -d)
status=0
dotnet test AdminConsole.sln -c Release --no-build --nologo \
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
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
