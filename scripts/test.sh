#!/usr/bin/env bash
# The one test command (README "Run the tests", and what .ci/run calls).
# Installs what the tests need, builds everything warnings-as-errors, and runs every test project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Azurite (the Table Storage emulator the storage tests start) comes from npm, pinned by package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is required (Node.js 20 or later) to install Azurite for the storage tests." >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error

# The real Azure Functions host, built from ../shared/functions-host (about 30 s once per machine, then reused): the
# tests in tests/ScimFunctions.Tests/RealHost run the Functions app under it, as Azure does.
host_dir=${FUNCTIONS_HOST_DIR:-../shared/functions-host}
if [[ ! -x "$host_dir/build.sh" ]]; then
  echo "The Functions host sources are missing ($host_dir/build.sh); set FUNCTIONS_HOST_DIR." >&2
  exit 1
fi
echo "Functions host: $("$host_dir/build.sh")"
export FUNCTIONS_HOST_DIR=$(cd "$host_dir" && pwd)

# The Bicep CLI comes from NuGet (infra/tools/BicepCli.csproj); the templates must compile and pass the linter,
# whose important rules bicepconfig.json raises to errors.
dotnet restore infra/tools/BicepCli.csproj
./scripts/bicep.sh build infra/main.bicep --stdout >/dev/null
./scripts/bicep.sh lint infra/main.bicep

dotnet restore ScimFunctions.sln
dotnet build ScimFunctions.sln --no-restore -c Release

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test ScimFunctions.sln --no-build -c Release 2>&1 | tee "$log" || status=$?

# One closing line for the whole run, summed over the test projects' summaries.
awk '
  /(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i + 1))
      if ($i == "Failed:") failed += $(i + 1)
      if ($i == "Passed:") passed += $(i + 1)
      if ($i == "Skipped:") skipped += $(i + 1)
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
