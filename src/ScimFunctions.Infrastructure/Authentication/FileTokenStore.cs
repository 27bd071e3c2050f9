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

    public async IAsyncEnumerable<string> ListHashesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var hash in (await ReadAsync(cancellationToken).ConfigureAwait(false)).Keys)
        {
            yield return hash;
        }
    }

    /// <summary>The signing keys live beside the token file, in <c>{path}.keys</c>: one base64 key a line, current first.</summary>
    public async Task<IReadOnlyList<byte[]>> GetSigningKeysAsync(CancellationToken cancellationToken)
    {
        var keys = path + ".keys";
        if (!File.Exists(keys))
        {
            return [];
        }

        var lines = await File.ReadAllLinesAsync(keys, cancellationToken).ConfigureAwait(false);
        return [.. lines.Where(l => l.Length > 0).Select(Convert.FromBase64String)];
    }

    public async Task<byte[]> EnsureSigningKeyAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
            if (existing.Count > 0)
            {
                return existing[0];
            }

            var key = ScimToken.NewSigningKey();
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            var temporary = path + ".keys.tmp";
            await File.WriteAllTextAsync(temporary, Convert.ToBase64String(key) + "\n", cancellationToken).ConfigureAwait(false);
            try
            {
                // Another process may have made one first: theirs stands, so every issuer tags with the same key.
                File.Move(temporary, path + ".keys", overwrite: false);
            }
            catch (IOException)
            {
                File.Delete(temporary);
            }

            return (await GetSigningKeysAsync(cancellationToken).ConfigureAwait(false))[0];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Federated clients live beside the token file, in <c>{path}.federation</c> (JSON by client id).</summary>
    public async Task SaveFederationAsync(FederatedClient federated, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(federated);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var all = await ReadFederationAsync(cancellationToken).ConfigureAwait(false);
            all[federated.ClientId] = federated;
            var temporary = path + ".federation.tmp";
            await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(all, Json), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path + ".federation", overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<FederatedClient?> FindFederationAsync(string clientId, CancellationToken cancellationToken) =>
        (await ReadFederationAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(clientId);

    private async Task<Dictionary<string, FederatedClient>> ReadFederationAsync(CancellationToken cancellationToken)
    {
        var file = path + ".federation";
        if (!File.Exists(file))
        {
            return new Dictionary<string, FederatedClient>(StringComparer.Ordinal);
        }

        await using var stream = File.Open(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return await JsonSerializer.DeserializeAsync<Dictionary<string, FederatedClient>>(stream, Json, cancellationToken).ConfigureAwait(false)
            ?? new Dictionary<string, FederatedClient>(StringComparer.Ordinal);
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
