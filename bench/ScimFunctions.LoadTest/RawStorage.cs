using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace ScimFunctions.LoadTest;

/// <summary>
/// The least storage work each SCIM operation needs, done directly with Azure.Data.Tables on the same Azurite: the
/// limit the endpoint's throughput is compared with.
/// </summary>
internal sealed class RawStorage(TableClient table)
{
    private const string Partition = "raw";
    private static readonly string Document = new('d', 600);

    public async Task CreateAsync()
    {
        await table.CreateIfNotExistsAsync();
        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(async i =>
        {
            await table.UpsertEntityAsync(new TableEntity(Partition, "u:" + i) { ["Doc"] = Document });
            await table.UpsertEntityAsync(new TableEntity(Partition, Index(i)) { ["UserId"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }));
    }

    /// <summary>Provision: read the userName index, then one transaction of the user and its index row.</summary>
    public async Task<int> ProvisionAsync(int i)
    {
        var name = "new" + i;
        await table.GetEntityIfExistsAsync<TableEntity>(Partition, Index(name));
        var id = Guid.NewGuid().ToString();
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, "u:" + id) { ["Doc"] = Document }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, Index(name)) { ["UserId"] = id }),
        ]);
        return 201;
    }

    /// <summary>Lookup by userName: the index row, then the user.</summary>
    public async Task<int> LookupAsync(int count)
    {
        var i = Random.Shared.Next(count);
        var index = await table.GetEntityAsync<TableEntity>(Partition, Index(i));
        await table.GetEntityAsync<TableEntity>(Partition, "u:" + index.Value.GetString("UserId"));
        return 200;
    }

    public async Task<int> GetAsync(int i)
    {
        await table.GetEntityAsync<TableEntity>(Partition, "u:" + i);
        return 200;
    }

    /// <summary>PATCH: read the user, replace it conditionally.</summary>
    public async Task<int> ReplaceAsync(int i)
    {
        var user = await table.GetEntityAsync<TableEntity>(Partition, "u:" + i);
        try
        {
            await table.UpdateEntityAsync(user.Value, user.Value.ETag, TableUpdateMode.Replace);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return 412;
        }

        return 200;
    }

    /// <summary>Membership pairs, in transactions of 45 pairs as the service writes them.</summary>
    public async Task<int> AddMembersAsync(string group, int first, int count)
    {
        foreach (var chunk in Enumerable.Range(first, count).Chunk(45))
        {
            await table.SubmitTransactionAsync(chunk.SelectMany(u => new[]
            {
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, $"m:{group}:{u}")),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, $"r:{u}:{group}")),
            }));
        }

        return 204;
    }

    public async Task<int> PageAsync(int page)
    {
        var after = "u:" + (page * 100);
        var rows = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey gt {after} and RowKey lt {"u;"}"), maxPerPage: 100))
        {
            if (++rows == 100)
            {
                break;
            }
        }

        return 200;
    }

    /// <summary>DELETE: read the user, one transaction deleting it and its index row.</summary>
    public async Task<int> DeleteAsync(int i)
    {
        var user = await table.GetEntityAsync<TableEntity>(Partition, "u:" + i);
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Delete, user.Value, user.Value.ETag),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, Index(i)), ETag.All),
        ]);
        return 204;
    }

    private static string Index(int i) => Index("user" + i);

    private static string Index(string name) => "n:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.ToUpperInvariant())));
}
