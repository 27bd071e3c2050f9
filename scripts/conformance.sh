#!/usr/bin/env bash
# Runs the third-party IdP conformance suites (../shared/conformance) against the local server, giving each suite
# a fresh, empty organization: Azurite runs in memory and is restarted, with the server, before each suite.
#   scripts/conformance.sh [OUTDIR]        (default: conformance-results)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suites=${SCIM_CONFORMANCE_DIR:-$root/../shared/conformance}
out=${1:-$root/conformance-results}
state=${SCIM_CONFORMANCE_STATE:-$(mktemp -d)}
port=${SCIM_LOCAL_PORT:-7081}
table_port=${SCIM_CONFORMANCE_TABLE_PORT:-10012}

start() {
  "$root/node_modules/.bin/azurite-table" --inMemoryPersistence --tableHost 127.0.0.1 --tablePort "$table_port" \
    --skipApiVersionCheck --silent >"$state/azurite.log" 2>&1 &
  echo $! >"$state/azurite.pid"
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$table_port") 2>/dev/null && break
    sleep 0.1
  done
  Scim__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;" \
  Scim__KeyVault__LocalStorePath="$state/tokens.json" SCIM_LOCAL_PORT="$port" SCIM_LOCAL_TOKENS="conformance=$token" \
    dotnet "$root/src/ScimFunctions.LocalHost/bin/Release/net10.0/ScimFunctions.LocalHost.dll" >"$state/server.log" 2>&1 &
  echo $! >"$state/server.pid"
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/sch/scim/v2/ServiceProviderConfig"; then
      return 0
    fi
    sleep 0.2
  done
  echo "the local server did not answer; see $state/server.log" >&2
  return 1
}

stop() {
  for name in server azurite; do
    if [[ -f "$state/$name.pid" ]]; then
      pid=$(cat "$state/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$state/$name.pid"
    fi
  done
}

if [[ "${1:-}" == "--restart" ]]; then
  # SCIM_RESET_CMD: a fresh server and an empty organization with the same token.
  stop
  token=$(cat "$state/token")
  start
  exit 0
fi

[[ -x "$root/node_modules/.bin/azurite-table" ]] || (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
dotnet build "$root/src/ScimFunctions.LocalHost" -c Release --nologo -v quiet >/dev/null
trap stop EXIT
token="schscim_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
echo "$token" >"$state/token"
start
export SCIM_CONFORMANCE_STATE=$state SCIM_LOCAL_PORT=$port SCIM_CONFORMANCE_TABLE_PORT=$table_port
SCIM_RESET_CMD="'$0' --restart" bash "$suites/run.sh" "http://127.0.0.1:$port/api/sch/scim/v2" "$token" "$out"
