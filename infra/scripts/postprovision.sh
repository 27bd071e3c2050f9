#!/bin/sh
# azd postprovision hook: what to hand to Entra ID or Okta, and how to issue the first token.
# azd exports the Bicep outputs (SCIM_BASE_URL, AZURE_KEY_VAULT_ENDPOINT, ...) into this hook's environment.
set -eu
cat <<MSG

SCIM base URL (Entra ID "Tenant URL", Okta "SCIM connector base URL"):
  ${SCIM_BASE_URL}

Provisioning workbook:
  https://portal.azure.com/#@${AZURE_TENANT_ID}/resource${SCIM_WORKBOOK_ID}/workbook

Create the first organization and issue its token (printed once; only its hash is stored in Key Vault):
  dotnet run --project src/ScimFunctions.Admin -- --azd org create contoso --name "Contoso" --max-seats 100 --yes
  dotnet run --project src/ScimFunctions.Admin -- --azd token issue contoso --yes

Role assignments can take a few minutes to apply: if the first calls answer 403 or 503, wait and retry.
MSG
