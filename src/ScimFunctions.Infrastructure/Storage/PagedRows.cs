using System.Text;
using Azure.Data.Tables;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>Reads one page of a key range, by index (1-based start) or by cursor (RFC 9865).</summary>
internal static class PagedRows
{
    public const string InvalidCursor = "invalidCursor";

    public sealed record Page(IReadOnlyList<TableEntity> Rows, bool HasMore);

    /// <summary>The row key to resume after for <paramref name="startIndex"/>; null for the start of the range.</summary>
    /// <param name="table">The table.</param>
    /// <param name="cache">This instance's page boundaries.</param>
    /// <param name="organization">The partition.</param>
    /// <param name="prefix">The resource kind's key prefix.</param>
    /// <param name="startIndex">1-based index of the first row of the page.</param>
    /// <param name="version">The organization row's current version: a cached boundary is valid only under it.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public static async Task<string?> FindStartAsync(
        ScimTable table, PageBoundaryCache cache, string organization, string prefix, int startIndex, string version, CancellationToken cancellationToken)
    {
        if (startIndex <= 1)
        {
            return null;
        }

        if (cache.TryGet(organization, prefix, startIndex, version, out var cached))
        {
            return cached;
        }

        // Skip startIndex - 1 rows, reading keys only.
        string? last = null;
        var skipped = 0;
        await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), select: ["RowKey"], cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            last = row.RowKey;
            if (++skipped == startIndex - 1)
            {
                break;
            }
        }

        return last;
    }

    public static async Task<Page> ReadAsync(
        ScimTable table, string organization, string prefix, string? after, int count, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>(Math.Min(count, 1000));
        if (count == 0)
        {
            return new Page(rows, false);
        }

        await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), after, cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            if (rows.Count == count)
            {
                return new Page(rows, true);
            }

            rows.Add(row);
        }

        return new Page(rows, false);
    }

    public static string EncodeCursor(string rowKey) => Convert.ToBase64String(Encoding.UTF8.GetBytes(rowKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The row key a cursor resumes after; an empty cursor is the first page.</summary>
    public static string? DecodeCursor(string cursor, string prefix)
    {
        if (cursor.Length == 0)
        {
            return null;
        }

        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var key = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new ScimException(new ScimError(400, InvalidCursor, "The cursor is not valid; start again with an empty cursor."));
    }
}
