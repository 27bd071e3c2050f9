using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Hosting;

namespace ScimFunctions.Tests.Hosting;

/// <summary>A missing setting fails the start with a clear message instead of quietly doing something else.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Without_a_key_vault_outside_development_the_app_does_not_start(string? environment)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddScim(Configuration(environment)));

        Assert.Contains("Scim__KeyVault__VaultUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_development_the_local_token_file_is_allowed()
    {
        var services = new ServiceCollection().AddScim(Configuration("Development"));

        Assert.Contains(services, d => d.ServiceType == typeof(Infrastructure.Authentication.ITokenStore));
    }

    [Fact]
    public void An_empty_legacy_end_date_means_none_and_a_date_is_read()
    {
        var none = Bind(new Dictionary<string, string?> { ["Scim:Tokens:LegacyTokensUntil"] = string.Empty });
        var date = Bind(new Dictionary<string, string?> { ["Scim:Tokens:LegacyTokensUntil"] = "2027-06-30T00:00:00Z" });

        Assert.Null(none.LegacyTokensUntil);
        Assert.Equal(new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero), date.LegacyTokensUntil);
        Assert.Equal(900, none.MaxStaleSeconds);
    }

    private static Infrastructure.Authentication.TokenAuthenticationOptions Bind(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Scim:Tokens").Get<Infrastructure.Authentication.TokenAuthenticationOptions>()!;

    private static IConfiguration Configuration(string? environment) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = environment,
            ["Scim:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        })
        .Build();
}
