using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// The table every organization's data lives in, with Table Storage's limits enforced before a write is sent
/// and every transport failure, throttling or timeout (also one inside the changeset of a 202 batch response) and
/// authorization failure of the app's identity turned into <see cref="StorageUnavailableException"/>. Conflicts of a
/// transaction (409, 412, 404) are left to the caller as <see cref="TableTransactionFailedException"/>.
/// </summary>
public sealed class ScimTable(TableClient client)
{
    public string Name => client.Name;

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    internal async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return response.HasValue ? response.Value : null;
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Rows of one partition whose keys lie in [<paramref name="from"/>, <paramref name="to"/>), in key order.</summary>
    /// <param name="partitionKey">The organization.</param>
    /// <param name="from">First key, inclusive.</param>
    /// <param name="to">Last key, exclusive.</param>
    /// <param name="after">When set, only keys greater than this one (resuming a page).</param>
    /// <param name="select">Properties to fetch; null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    internal async IAsyncEnumerable<TableEntity> RangeAsync(
        string partitionKey,
        string from,
        string to,
        string? after = null,
        IEnumerable<string>? select = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {from} and RowKey lt {to}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {after} and RowKey lt {to}");
        var pages = client.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: select, cancellationToken: cancellationToken)
            .AsPages()
            .GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Page<TableEntity> page;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    page = pages.Current;
                }
                catch (Exception e) when (IsUnavailable(e, cancellationToken))
                {
                    throw Unavailable(e);
                }

                foreach (var entity in page.Values)
                {
                    yield return entity;
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Rows with one row key across every partition (the organizations, for the admin tooling).</summary>
    internal async IAsyncEnumerable<TableEntity> AcrossPartitionsAsync(string rowKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {rowKey}");
        await using var rows = client.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await rows.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (Exception e) when (IsUnavailable(e, cancellationToken))
            {
                throw Unavailable(e);
            }

            yield return rows.Current;
        }
    }

    /// <summary>
    /// Commits the actions in one entity-group transaction, after checking Azure's limits (one partition, at most
    /// 100 actions, 4 MiB, 1 MiB per entity) that Azurite does not enforce.
    /// </summary>
    /// <returns>The response of each action, in order (their ETag headers are the rows' new versions).</returns>
    internal async Task<IReadOnlyList<Response>> SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        if (actions.Count == 0)
        {
            return [];
        }

        CheckLimits(actions);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SubmitOnceAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageUnavailableException e) when (attempt <= ChangesetBusyRetries
                && e.InnerException is TableTransactionFailedException { Status: 503 })
            {
                // ServerBusy inside a 202 batch response: the service ran none of it, so the same transaction is
                // sent again after a short, jittered pause (the SDK retries only whole-response failures).
                await Task.Delay(Random.Shared.Next(50, 100 * attempt * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How often a transaction whose changeset was refused with ServerBusy is sent again.</summary>
    private const int ChangesetBusyRetries = 2;

    private async Task<IReadOnlyList<Response>> SubmitOnceAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (TableTransactionFailedException e) when (e.Status is 0 or 403 or 408 or 429 or >= 500)
        {
            // A changeset that failed inside a 202 batch response (ServerBusy, OperationTimedOut): nothing committed.
            throw Unavailable(e);
        }
        catch (TableTransactionFailedException)
        {
            throw;
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    internal static void CheckLimits(IReadOnlyList<TableTransactionAction> actions)
    {
        if (actions.Count > StorageLimits.MaxTransactionActions)
        {
            throw new InvalidOperationException(
                $"A transaction of {actions.Count} actions exceeds Table Storage's limit of {StorageLimits.MaxTransactionActions}.");
        }

        var partition = actions[0].Entity.PartitionKey;
        long total = 0;
        foreach (var action in actions)
        {
            if (!string.Equals(action.Entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("A transaction cannot span partitions.");
            }

            var size = EntitySize(action.Entity);
            if (size > StorageLimits.MaxEntityBytes)
            {
                throw new ResourceTooLargeException($"An entity of {size:N0} bytes exceeds Table Storage's limit of 1 MiB.");
            }

            total += size;
        }

        if (total > StorageLimits.MaxTransactionBytes)
        {
            throw new ResourceTooLargeException($"A transaction of {total:N0} bytes exceeds Table Storage's limit of 4 MiB.");
        }
    }

    /// <summary>An upper estimate of an entity's stored size, by the rules of the Table service.</summary>
    internal static long EntitySize(ITableEntity entity)
    {
        long size = StorageLimits.EntityOverheadBytes;
        if (entity is not TableEntity properties)
        {
            return size;
        }

        foreach (var (name, value) in properties)
        {
            if (value is string text && text.Length > StorageLimits.MaxStringPropertyChars)
            {
                throw new ResourceTooLargeException($"Property '{name}' exceeds Table Storage's limit of 64 KiB per string.");
            }

            size += StorageLimits.PropertyOverheadBytes + (name.Length * 2) + value switch
            {
                string s => s.Length * 2,
                byte[] bytes => bytes.Length,
                null => 0,
                _ => 8,
            };
        }

        return size;
    }

    private static bool IsUnavailable(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        TableTransactionFailedException => false,
        // 403: the app's identity is not (yet) authorized; role assignments take minutes to propagate after a deploy.
        RequestFailedException failed => failed.Status is 0 or 403 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException or IOException or AggregateException => true,
        _ => false,
    };

    private static StorageUnavailableException Unavailable(Exception e) =>
        new("Table Storage did not answer in time or is unavailable.", e);
}
