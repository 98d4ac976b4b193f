#!/usr/bin/env bash
# Start-up time to the first 200 on /healthz, from a built binary, on a fresh embedded database
# (migrations + demo seed included) and on an existing one. Run from the repository root.
set -euo pipefail
dotnet build src/Guidelink.Web -c Release -v q -nologo >/dev/null
dll=artifacts/bin/Guidelink.Web/release/Guidelink.Web.dll
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
measure() {
  local port=$((20000 + RANDOM % 20000)) t0 pid
  t0=$(date +%s%N)
  (cd "$work" && exec dotnet "$OLDPWD/$dll" --urls "http://127.0.0.1:$port" --environment Development >/dev/null 2>&1) & pid=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.02; done
  echo "$1: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  kill $pid; wait $pid 2>/dev/null || true
}
measure "fresh database (migrate + seed)"
measure "existing database"
measure "existing database"
