# azd postprovision hook: what to hand to Entra ID or Okta, and how to issue the first token.
# azd exports the Bicep outputs (SCIM_BASE_URL, AZURE_KEY_VAULT_ENDPOINT, ...) into this hook's environment.
$ErrorActionPreference = 'Stop'
Write-Host ""
Write-Host "SCIM base URL (Entra ID `"Tenant URL`", Okta `"SCIM connector base URL`"):"
Write-Host "  $env:SCIM_BASE_URL"
Write-Host ""
Write-Host "Provisioning workbook:"
Write-Host "  https://portal.azure.com/#@$($env:AZURE_TENANT_ID)/resource$($env:SCIM_WORKBOOK_ID)/workbook"
Write-Host ""
Write-Host "Create the first organization and issue its token (printed once; only its hash is stored in Key Vault):"
Write-Host "  dotnet run --project src/ScimFunctions.Admin -- --azd org create contoso --name `"Contoso`" --max-seats 100 --yes"
Write-Host "  dotnet run --project src/ScimFunctions.Admin -- --azd token issue contoso --yes"
Write-Host ""
Write-Host "Role assignments can take a few minutes to apply: if the first calls answer 403 or 503, wait and retry."
