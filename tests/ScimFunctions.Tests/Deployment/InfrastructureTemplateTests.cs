using System.Text.Json.Nodes;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Deployment;

/// <summary>The security properties of the deployment, read from the compiled ARM template.</summary>
public sealed class InfrastructureTemplateTests
{
    /// <summary>
    /// Settings in local.settings.sample.json that Azure does not take as app settings, and why.
    /// </summary>
    private static readonly Dictionary<string, string> NotAppSettings = new(StringComparer.Ordinal)
    {
        ["FUNCTIONS_WORKER_RUNTIME"] = "Flex Consumption sets the runtime in functionAppConfig.runtime and refuses the setting",
        ["AzureWebJobsStorage"] = "identity-based: AzureWebJobsStorage__credential, __clientId and __blobServiceUri",
        ["Scim__Storage__ConnectionString"] = "identity-based: Scim__Storage__TableServiceUri; a connection string would carry a key",
        ["Scim__KeyVault__LocalStorePath"] = "read only when no vault is configured; Azure sets Scim__KeyVault__VaultUri",
    };

    private static readonly ArmTemplate Arm = ArmTemplate.Main;

    [Fact]
    public void Storage_allows_no_shared_keys_and_no_public_blobs_and_declares_the_table()
    {
        var storage = Arm.Single("Microsoft.Storage/storageAccounts")["properties"]!;

        Assert.False(storage["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.False(storage["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", storage["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(storage["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.Single(Arm.OfType("Microsoft.Storage/storageAccounts/tableServices/tables"));
        Assert.Equal("None", Arm.Single("Microsoft.Storage/storageAccounts/blobServices/containers")["properties"]!["publicAccess"]!.GetValue<string>());
    }

    [Fact]
    public void Key_vault_uses_rbac_with_soft_delete_and_purge_protection_as_a_parameter()
    {
        var vault = Arm.Single("Microsoft.KeyVault/vaults")["properties"]!;

        Assert.True(vault["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(vault["enableSoftDelete"]!.GetValue<bool>());
        Assert.Contains("parameters('enablePurgeProtection')", vault["enablePurgeProtection"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(vault["accessPolicies"]);
        Assert.Contains(Arm.Template["parameters"]!.AsObject(), p => p.Key == "enablePurgeProtection");
    }

    [Fact]
    public void Telemetry_accepts_only_entra_identities()
    {
        Assert.True(Arm.Single("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
        Assert.True(Arm.Single("Microsoft.OperationalInsights/workspaces")["properties"]!["features"]!["disableLocalAuth"]!.GetValue<bool>());
    }

    [Fact]
    public void Function_app_is_flex_consumption_dotnet_10_https_only_tls12_without_ftp_or_basic_auth()
    {
        var plan = Arm.Single("Microsoft.Web/serverfarms");
        var site = Arm.Single("Microsoft.Web/sites");
        var properties = site["properties"]!;

        Assert.Equal("FC1", plan["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("FlexConsumption", plan["sku"]!["tier"]!.GetValue<string>());
        Assert.True(properties["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", properties["siteConfig"]!["minTlsVersion"]!.GetValue<string>());
        // Flex Consumption rejects siteConfig.ftpsState (error 51021): FTP is off through the publishing policies below.
        Assert.Null(properties["siteConfig"]!["ftpsState"]);
        Assert.Equal("dotnet-isolated", properties["functionAppConfig"]!["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("10.0", properties["functionAppConfig"]!["runtime"]!["version"]!.GetValue<string>());
        var deployment = properties["functionAppConfig"]!["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", deployment["type"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", deployment["authentication"]!["type"]!.GetValue<string>());
        Assert.Equal("UserAssigned", site["identity"]!["type"]!.GetValue<string>());
        Assert.Contains("'azd-service-name', 'api'", site["tags"]!.GetValue<string>(), StringComparison.Ordinal);
        var policies = Arm.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.False(p["properties"]!["allow"]!.GetValue<bool>()));
        Assert.Single(Arm.OfType("Microsoft.ManagedIdentity/userAssignedIdentities"));
    }

    [Fact]
    public void Role_assignments_give_the_app_and_the_deployer_exactly_what_they_need()
    {
        var roles = Arm.OfType("Microsoft.Authorization/roleAssignments")
            .Select(r => (Role: Arm.Expand(r, r["properties"]!["roleDefinitionId"]!.GetValue<string>()), Type: r["properties"]!["principalType"]!.GetValue<string>()))
            .ToList();

        string[] app =
        [
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
            "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a", // Storage Queue Data Message Sender (change events)
            "4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
            "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
        ];
        string[] deployer =
        [
            "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", // Key Vault Secrets Officer
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
        ];
        Assert.Equal(app.Length + deployer.Length, roles.Count);
        Assert.All(app, id => Assert.Contains(roles, r => r.Role.Contains(id, StringComparison.Ordinal) && r.Type == "ServicePrincipal"));
        Assert.All(deployer, id => Assert.Contains(roles, r => r.Role.Contains(id, StringComparison.Ordinal) && r.Type == "[parameters('principalType')]"));
    }

    [Fact]
    public void Every_setting_the_app_reads_is_set_by_the_infrastructure_without_keys()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "local.settings.sample.json")))!["Values"]!.AsObject();
        var settings = Arm.Single("Microsoft.Web/sites/config")["properties"]!.AsObject();

        foreach (var (name, _) in sample)
        {
            if (NotAppSettings.ContainsKey(name))
            {
                continue;
            }

            Assert.True(settings.ContainsKey(name), $"The infrastructure does not set '{name}', which the app reads.");
        }

        foreach (var replaced in new[] { "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri", "Scim__Storage__TableServiceUri", "Scim__KeyVault__VaultUri" })
        {
            Assert.True(settings.ContainsKey(replaced), replaced);
        }

        Assert.Equal("false", settings["Scim__Storage__CreateTableIfMissing"]!.GetValue<string>());
        Assert.DoesNotContain(settings, s => s.Key.Equals("FUNCTIONS_WORKER_RUNTIME", StringComparison.Ordinal));
        var text = Arm.Template.ToJsonString();
        Assert.DoesNotContain("listKeys", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey=", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Outputs_give_azd_the_base_url_vault_table_endpoint_and_client_id()
    {
        var outputs = Arm.Template["outputs"]!.AsObject();

        foreach (var name in new[] { "SCIM_BASE_URL", "AZURE_KEY_VAULT_ENDPOINT", "AZURE_STORAGE_TABLE_ENDPOINT", "AZURE_CLIENT_ID", "SERVICE_API_NAME", "SCIM_WORKBOOK_ID" })
        {
            Assert.True(outputs.ContainsKey(name), name);
        }

        Assert.Contains("/api/sch/scim/v2", outputs["SCIM_BASE_URL"]!["value"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
