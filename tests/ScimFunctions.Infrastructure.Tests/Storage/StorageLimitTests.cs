using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Tests.Storage;

/// <summary>Azure's limits, which Azurite does not enforce, are enforced before anything is sent.</summary>
public sealed class StorageLimitTests
{
    [Fact]
    public void More_than_100_actions_are_refused()
    {
        var actions = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList();

        Assert.Throws<InvalidOperationException>(() => ScimTable.CheckLimits(actions));
        ScimTable.CheckLimits(actions.Take(100).ToList());
    }

    [Fact]
    public void A_transaction_across_partitions_is_refused()
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("org-a", "r")),
            new(TableTransactionActionType.Add, new TableEntity("org-b", "r")),
        };

        Assert.Throws<InvalidOperationException>(() => ScimTable.CheckLimits(actions));
    }

    [Fact]
    public void An_entity_over_one_mebibyte_or_a_string_over_64_kib_is_refused()
    {
        var wide = new TableEntity("p", "r");
        for (var i = 0; i < 20; i++)
        {
            wide[$"P{i}"] = new string('x', 30_000);
        }

        var longString = new TableEntity("p", "r") { ["P"] = new string('x', 40_000) };

        Assert.Throws<ResourceTooLargeException>(() => ScimTable.CheckLimits([new(TableTransactionActionType.Add, wide)]));
        Assert.Throws<ResourceTooLargeException>(() => ScimTable.CheckLimits([new(TableTransactionActionType.Add, longString)]));
    }

    [Fact]
    public void A_transaction_over_four_mebibytes_is_refused()
    {
        var actions = Enumerable.Range(0, 5).Select(i =>
        {
            var entity = new TableEntity("p", $"r{i}");
            for (var j = 0; j < 15; j++)
            {
                entity[$"P{j}"] = new string('x', 30_000);
            }

            return new TableTransactionAction(TableTransactionActionType.Add, entity);
        }).ToList();

        Assert.Throws<ResourceTooLargeException>(() => ScimTable.CheckLimits(actions));
    }

    [Fact]
    public void Documents_are_split_into_string_columns_and_read_back()
    {
        var document = new JsonObject { ["roles"] = new JsonArray([.. Enumerable.Range(0, 4).Select(i => (JsonNode)new string('é', 30_000))]) };
        var entity = new TableEntity("p", "r");

        DocumentColumns.Write(entity, document);

        Assert.True(entity.Keys.Count(k => k.StartsWith("Doc", StringComparison.Ordinal)) >= 4);
        Assert.All(entity.Select(p => p.Value).OfType<string>(), v => Assert.True(v.Length <= StorageLimits.MaxStringPropertyChars));
        Assert.True(JsonNode.DeepEquals(document, DocumentColumns.Read(entity)));
    }

    [Fact]
    public void A_document_too_large_for_an_entity_is_refused()
    {
        var document = new JsonObject { ["x"] = new string('x', 600_000) };

        Assert.Throws<ResourceTooLargeException>(() => DocumentColumns.Write(new TableEntity("p", "r"), document));
    }
}
