#!/usr/bin/env bash
# Runs the Bicep CLI that the repository restores from NuGet (infra/tools/BicepCli.csproj): no download at run time.
#   scripts/bicep.sh build infra/main.bicep --stdout
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
bicep="$packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"
if [[ ! -f "$bicep" ]]; then
  dotnet restore "$root/infra/tools/BicepCli.csproj" --nologo -v quiet >&2
fi
chmod +x "$bicep"
exec "$bicep" "$@"
