using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;

namespace ScimFunctions.Testing;

/// <summary>
/// A <see cref="TableClient"/> that forwards to a real one, counting the requests (point reads, queries and
/// transaction actions), and that can fail a chosen transaction to inject storage faults.
/// </summary>
public sealed class CountingTableClient(TableClient inner) : TableClient
{
    private int _reads;
    private int _queries;
    private int _transactions;
    private int _actions;

    public int Reads => _reads;

    public int Queries => _queries;

    public int Transactions => _transactions;

    public int Actions => _actions;

    /// <summary>The row keys of the point reads since the last <see cref="Reset"/>.</summary>
    public IReadOnlyCollection<string> ReadKeys => _readKeys;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _readKeys = new();

    /// <summary>When set, decides whether a transaction fails (with the exception returned) before it is sent.</summary>
    public Func<IReadOnlyList<TableTransactionAction>, Exception?>? FailTransaction { get; set; }

    public override string Name => inner.Name;

    public void Reset()
    {
        _reads = 0;
        _queries = 0;
        _transactions = 0;
        _actions = 0;
        _readKeys.Clear();
    }

    public override Task<Response<TableItem>> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) =>
        inner.CreateIfNotExistsAsync(cancellationToken);

    public override Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        _readKeys.Enqueue(rowKey);
        return inner.GetEntityIfExistsAsync<T>(partitionKey, rowKey, select, cancellationToken);
    }

    public override AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _queries);
        return inner.QueryAsync<T>(filter, maxPerPage, select, cancellationToken);
    }

    public override Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
    {
        var actions = transactionActions.ToList();
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _actions, actions.Count);
        if (FailTransaction?.Invoke(actions) is { } failure)
        {
            return Task.FromException<Response<IReadOnlyList<Response>>>(failure);
        }

        return inner.SubmitTransactionAsync(actions, cancellationToken);
    }
}
