using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// Token hashes in a local JSON file, for development without Key Vault: the same hashes and records behind the
/// same interface. Not for production (no access control beyond the file's).
/// </summary>
public sealed class FileTokenStore(string path) : ITokenStore, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path => path;

    public void Dispose() => _gate.Dispose();

    public async Task<TokenRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken)
    {
        var entries = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return entries.TryGetValue(tokenHash, out var record) ? record : null;
    }

    public Task SaveAsync(string tokenHash, TokenRecord record, CancellationToken cancellationToken) =>
        UpdateAsync(entries => entries[tokenHash] = record, cancellationToken);

    public async IAsyncEnumerable<TokenRecord> ListAsync(string organizationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var record in (await ReadAsync(cancellationToken).ConfigureAwait(false)).Values)
        {
            if (record.OrganizationId == organizationId)
            {
                yield return record;
            }
        }
    }

    public async Task<bool> RevokeAsync(string organizationId, string tokenId, CancellationToken cancellationToken)
    {
        var found = false;
        await UpdateAsync(entries =>
        {
            foreach (var (hash, record) in entries.ToList())
            {
                if (record.OrganizationId == organizationId && record.TokenId == tokenId)
                {
                    entries[hash] = record with { Revoked = true };
                    found = true;
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return found;
    }

    private async Task<Dictionary<string, TokenRecord>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return new Dictionary<string, TokenRecord>(StringComparer.Ordinal);
        }

        await using var stream = File.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return await JsonSerializer.DeserializeAsync<Dictionary<string, TokenRecord>>(stream, Json, cancellationToken).ConfigureAwait(false)
            ?? new Dictionary<string, TokenRecord>(StringComparer.Ordinal);
    }

    private async Task UpdateAsync(Action<Dictionary<string, TokenRecord>> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = await ReadAsync(cancellationToken).ConfigureAwait(false);
            change(entries);
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            var temporary = path + ".tmp";
            await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(entries, Json), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }
}
