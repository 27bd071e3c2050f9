#!/usr/bin/env bash
# Runs the third-party IdP conformance suites (../shared/conformance) against the local server, giving each suite
# a fresh, empty organization: Azurite runs in memory and is restarted, with the server, before each suite.
#   scripts/conformance.sh [--host real|local] [OUTDIR]        (default: real, conformance-results)
# --host real runs the Functions app under the real Functions host (../shared/functions-host), as Azure does, over
# Azurite with blob, queue and table; --host local runs the local Kestrel server over Azurite's table service.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
host=${SCIM_CONFORMANCE_HOST:-real}
if [[ "${1:-}" == "--host" ]]; then
  host=$2
  shift 2
fi
[[ "$host" == real || "$host" == local ]] || { echo "--host is real or local, not '$host'" >&2; exit 2; }
suites=${SCIM_CONFORMANCE_DIR:-$root/../shared/conformance}
out=${1:-$root/conformance-results}
state=${SCIM_CONFORMANCE_STATE:-$(mktemp -d)}
port=${SCIM_LOCAL_PORT:-7081}
table_port=${SCIM_CONFORMANCE_TABLE_PORT:-10012}

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$((table_port + 10))/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$((table_port + 11))/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"

wait_for_table() {
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$table_port") 2>/dev/null && return 0
    sleep 0.1
  done
}

start_real() {
  "$root/node_modules/.bin/azurite" --inMemoryPersistence --tableHost 127.0.0.1 --tablePort "$table_port" \
    --blobHost 127.0.0.1 --blobPort $((table_port + 10)) --queueHost 127.0.0.1 --queuePort $((table_port + 11)) \
    --skipApiVersionCheck --silent >"$state/azurite.log" 2>&1 &
  echo $! >"$state/azurite.pid"
  wait_for_table
  # A fresh, empty organization; the token file keeps the token's hash across restarts (scim-admin's stores).
  dotnet "$root/src/ScimFunctions.Admin/bin/Release/net10.0/scim-admin.dll" --connection-string "$storage" --token-store "$state/tokens.json" \
    org create conformance --name Conformance >/dev/null
  if [[ ! -s "$state/token" ]]; then
    dotnet "$root/src/ScimFunctions.Admin/bin/Release/net10.0/scim-admin.dll" --connection-string "$storage" --token-store "$state/tokens.json" \
      --json token issue conformance | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' >"$state/token"
  fi
  token=$(cat "$state/token")
  AZURE_FUNCTIONS_ENVIRONMENT=Development AzureWebJobsStorage="$storage" Scim__Storage__ConnectionString="$storage" Scim__KeyVault__LocalStorePath="$state/tokens.json" \
    "$suites/../functions-host/run.sh" "$root/src/ScimFunctions/bin/Release/net10.0" "$port" >"$state/server.log" 2>&1 &
  echo $! >"$state/server.pid"
  wait_for_server
}

wait_for_server() {
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/sch/scim/v2/ServiceProviderConfig"; then
      return 0
    fi
    sleep 0.2
  done
  echo "the server did not answer; see $state/server.log" >&2
  return 1
}

start() {
  if [[ "$host" == real ]]; then
    start_real
    return
  fi
  "$root/node_modules/.bin/azurite-table" --inMemoryPersistence --tableHost 127.0.0.1 --tablePort "$table_port" \
    --skipApiVersionCheck --silent >"$state/azurite.log" 2>&1 &
  echo $! >"$state/azurite.pid"
  wait_for_table
  Scim__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;" \
  Scim__KeyVault__LocalStorePath="$state/tokens.json" SCIM_LOCAL_PORT="$port" SCIM_LOCAL_TOKENS="conformance=$token" \
    dotnet "$root/src/ScimFunctions.LocalHost/bin/Release/net10.0/ScimFunctions.LocalHost.dll" >"$state/server.log" 2>&1 &
  echo $! >"$state/server.pid"
  wait_for_server
}

stop() {
  for name in server azurite; do
    if [[ -f "$state/$name.pid" ]]; then
      pid=$(cat "$state/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      pkill -KILL -P "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
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
if [[ "$host" == real ]]; then
  "$suites/../functions-host/build.sh" >/dev/null
  dotnet build "$root/src/ScimFunctions" -c Release --nologo -v quiet >/dev/null
  dotnet build "$root/src/ScimFunctions.Admin" -c Release --nologo -v quiet >/dev/null
  : >"$state/token"
else
  dotnet build "$root/src/ScimFunctions.LocalHost" -c Release --nologo -v quiet >/dev/null
  token="schscim_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  echo "$token" >"$state/token"
fi
trap stop EXIT
start
export SCIM_CONFORMANCE_STATE=$state SCIM_LOCAL_PORT=$port SCIM_CONFORMANCE_TABLE_PORT=$table_port SCIM_CONFORMANCE_HOST=$host
SCIM_RESET_CMD="'$0' --restart" bash "$suites/run.sh" "http://127.0.0.1:$port/api/sch/scim/v2" "$token" "$out"
