using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace ScimFunctions.LoadTest;

/// <summary>
/// The storage reads and writes each SCIM response needs, done directly with Azure.Data.Tables on the same Azurite:
/// the limit the endpoint's throughput is compared with. The partition holds as many rows as the organization's
/// (Azurite scans a partition for every key-range read, so a smaller one would flatter range reads).
/// </summary>
internal sealed class RawStorage(TableClient table)
{
    private const string Partition = "raw";
    private static readonly string Document = new('d', 600);

    /// <param name="rows">Rows in the partition besides the 1,000 users: the size of the organization's partition.</param>
    public async Task CreateAsync(int rows)
    {
        await table.CreateIfNotExistsAsync();
        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(async i =>
        {
            await table.UpsertEntityAsync(new TableEntity(Partition, "u:" + i) { ["Doc"] = Document });
            await table.UpsertEntityAsync(new TableEntity(Partition, Index(i)) { ["UserId"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }));
        var filler = Enumerable.Range(0, rows).Select(i => new TableTransactionAction(
            TableTransactionActionType.UpsertReplace, new TableEntity(Partition, $"x:{i:D8}") { ["UserId"] = "filler" }));
        foreach (var chunk in filler.Chunk(100).Chunk(8))
        {
            await Task.WhenAll(chunk.Select(c => table.SubmitTransactionAsync(c)));
        }
    }

    /// <summary>The rows of a partition (a key-range read of their keys).</summary>
    public static async Task<int> CountAsync(TableClient table, string partition)
    {
        var rows = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"]))
        {
            rows++;
        }

        return rows;
    }

    /// <summary>
    /// Fills the raw partition up to <paramref name="rows"/> rows: the organization's partition grows during the run
    /// (journal rows, deleted users), and Azurite scans a partition for every key-range read.
    /// </summary>
    public async Task<int> FillToAsync(int rows)
    {
        var missing = rows - await CountAsync(table, Partition);
        var filler = Enumerable.Range(0, Math.Max(0, missing)).Select(i => new TableTransactionAction(
            TableTransactionActionType.UpsertReplace, new TableEntity(Partition, $"f:{Guid.NewGuid():N}") { ["UserId"] = "filler" }));
        foreach (var chunk in filler.Chunk(100).Chunk(8))
        {
            await Task.WhenAll(chunk.Select(c => table.SubmitTransactionAsync(c)));
        }

        return Math.Max(0, missing);
    }

    /// <summary>
    /// Provision: Entra's lookup (the userName index), then the POST: the index again (is the name free), and one
    /// transaction of the user and its userName, externalId and email index rows.
    /// </summary>
    public async Task<int> ProvisionAsync(int i)
    {
        var name = "new" + i;
        await table.GetEntityIfExistsAsync<TableEntity>(Partition, Index(name));
        await table.GetEntityIfExistsAsync<TableEntity>(Partition, Index(name));
        var id = Guid.NewGuid().ToString();
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, "u:" + id) { ["Doc"] = Document }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, Index(name)) { ["UserId"] = id }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, "x:" + id + ":" + i) { ["UserId"] = id }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, "e:" + name + ":" + id) { ["UserId"] = id }),
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

    /// <summary>
    /// One member add: read the group and the user (a member must be a user of the organization), then one
    /// transaction of the pair and the group's new version.
    /// </summary>
    public async Task<int> AddMemberAsync(string group, int user)
    {
        var groupRow = await table.GetEntityIfExistsAsync<TableEntity>(Partition, "g:" + group);
        await table.GetEntityAsync<TableEntity>(Partition, "u:" + (user % 1_000));
        var version = new TableEntity(Partition, "g:" + group) { ["Doc"] = Document };
        await table.SubmitTransactionAsync(
        [
            groupRow.HasValue
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, version, groupRow.Value!.ETag)
                : new TableTransactionAction(TableTransactionActionType.Add, version),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, $"m:{group}:{user}")),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, $"r:{user}:{group}")),
        ]);
        return 204;
    }

    /// <summary>One member removed: read the group and the pair (is it a member), one transaction of the group's new version and the pair.</summary>
    public async Task<int> RemoveMemberAsync(string group, int user)
    {
        var groupRow = await table.GetEntityAsync<TableEntity>(Partition, "g:" + group);
        await table.GetEntityIfExistsAsync<TableEntity>(Partition, $"m:{group}:{user}");
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity(Partition, "g:" + group) { ["Doc"] = Document }, groupRow.Value.ETag),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, $"m:{group}:{user}"), ETag.All),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, $"r:{user}:{group}"), ETag.All),
        ]);
        return 204;
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

    /// <summary>
    /// DELETE: read the user, one transaction deleting it and its index row, then find its memberships (a key-range
    /// read of <c>r:{id}:</c>) to remove them.
    /// </summary>
    public async Task<int> DeleteAsync(int i)
    {
        var user = await table.GetEntityAsync<TableEntity>(Partition, "u:" + i);
        var memberships = $"r:{i}:";
        await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {memberships} and RowKey lt {memberships[..^1] + ";"}"), select: ["RowKey"]))
        {
        }

        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Delete, user.Value, user.Value.ETag),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, Index(i)), ETag.All),
        ]);
        return 204;
    }

    /// <summary>
    /// DELETE as a soft delete needs it (docs/storage.md, "Deleted users"): read the user, then its memberships (a key-range
    /// read) and its match row together, then one transaction that deletes the user and its index row and adds the
    /// deleted copy and the match row naming it.
    /// </summary>
    public async Task<int> SoftDeleteAsync(int i)
    {
        var user = await table.GetEntityAsync<TableEntity>(Partition, "u:" + i);
        var memberships = $"r:{i}:";
        var match = table.GetEntityIfExistsAsync<TableEntity>(Partition, "zn:" + i);
        await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {memberships} and RowKey lt {memberships[..^1] + ";"}"), select: ["RowKey"]))
        {
        }

        await match;
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Delete, user.Value, user.Value.ETag),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, Index(i)), ETag.All),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, "z:" + i) { ["Doc"] = Document }),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, "zn:" + i) { ["UserIds"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        ]);
        return 204;
    }

    /// <summary>The 1,000 users and their index rows again, after a DELETE phase removed them.</summary>
    public async Task RestoreUsersAsync()
    {
        foreach (var chunk in Enumerable.Range(0, 1_000).Chunk(50))
        {
            await Task.WhenAll(chunk.Select(i => table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, "u:" + i) { ["Doc"] = Document }),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, Index(i)) { ["UserId"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            ])));
        }
    }

    private static string Index(int i) => Index("user" + i);

    private static string Index(string name) => "n:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.ToUpperInvariant())));
}
