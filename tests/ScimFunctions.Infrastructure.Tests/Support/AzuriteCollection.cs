using ScimFunctions.Testing;

namespace ScimFunctions.Infrastructure.Tests.Support;

/// <summary>One Azurite for every storage test class; each test uses an organization of its own.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<Azurite>
{
    public const string Name = "Azurite";
}
