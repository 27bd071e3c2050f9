using Azure.Data.Tables;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Organizations;

/// <summary>Creates, reads and configures organizations (their counters: <see cref="OrganizationCounters"/>).</summary>
public sealed class OrganizationStore(ScimTable table, TimeProvider time)
{
    /// <summary>The organization with its totals (the organization row and its counter shards, summed).</summary>
    public async Task<Organization?> GetAsync(string organizationId, CancellationToken cancellationToken) =>
        (await OrganizationCounters.ReadSnapshotAsync(table, organizationId, cancellationToken).ConfigureAwait(false))?.Totals;

    internal Task<TableEntity?> GetRowAsync(string organizationId, CancellationToken cancellationToken) =>
        OrganizationIds.IsValid(organizationId)
            ? table.GetAsync(organizationId, TableLayout.OrganizationRow, cancellationToken)
            : Task.FromResult<TableEntity?>(null);

    /// <summary>The organization's row, which a write that changes its counters needs; 403 when it does not exist.</summary>
    internal async Task<TableEntity> RequireRowAsync(string organizationId, CancellationToken cancellationToken) =>
        await GetRowAsync(organizationId, cancellationToken).ConfigureAwait(false)
        ?? throw new ScimException(ScimError.Forbidden("The organization of this token does not exist. Contact SecureCodingHub support."));

    /// <summary>Creates an organization; returns false when one with that id exists already.</summary>
    public async Task<bool> CreateAsync(string organizationId, string name, int? maxSeats, CancellationToken cancellationToken)
    {
        OrganizationIds.Validate(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ValidateSeats(maxSeats);
        var row = OrganizationRow.Create(organizationId, name, maxSeats, time.GetUtcNow());
        try
        {
            await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, row)], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Sets or clears the seat limit. Lowering it below the active users blocks new activations only.</summary>
    public Task<Organization?> SetMaxSeatsAsync(string organizationId, int? maxSeats, CancellationToken cancellationToken)
    {
        ValidateSeats(maxSeats);
        return SetAsync(organizationId, OrganizationRow.MaxSeats, maxSeats ?? OrganizationRow.Unlimited, cancellationToken);
    }

    /// <summary>Sets whether a POST with the userName and externalId of a deleted user restores it (on by default).</summary>
    public Task<Organization?> SetRestoreAsync(string organizationId, bool restore, CancellationToken cancellationToken) =>
        SetAsync(organizationId, OrganizationRow.Restore, restore ? "on" : "off", cancellationToken);

    /// <summary>Sets the mass-change guard's thresholds (null keeps a value); returns the thresholds in force.</summary>
    public async Task<Journal.MassChangeSettings?> SetMassChangeGuardAsync(string organizationId, int? users, int? percent, int? minutes, CancellationToken cancellationToken)
    {
        Organization? organization = null;
        foreach (var (property, value) in new[] { (Journal.MassChangeSettings.UsersProperty, users), (Journal.MassChangeSettings.PercentProperty, percent), (Journal.MassChangeSettings.MinutesProperty, minutes) })
        {
            if (value is { } set)
            {
                organization = await SetAsync(organizationId, property, set, cancellationToken).ConfigureAwait(false);
                if (organization is null)
                {
                    return null;
                }
            }
        }

        var row = await GetRowAsync(organizationId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : Journal.MassChangeSettings.Read(row);
    }

    /// <summary>Sets how a POST links to users created by hand or by JIT sign-in.</summary>
    public Task<Organization?> SetAdoptionAsync(string organizationId, AdoptionRule rule, CancellationToken cancellationToken) =>
        SetAsync(organizationId, OrganizationRow.Adoption, AdoptionRules.Name(rule), cancellationToken);

    /// <summary>Merges one setting into the organization row, conditional on the row it read.</summary>
    private async Task<Organization?> SetAsync(string organizationId, string property, object value, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var row = await GetRowAsync(organizationId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return null;
            }

            var update = new TableEntity(row.PartitionKey, row.RowKey) { [property] = value };
            try
            {
                await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.UpdateMerge, update, row.ETag)], cancellationToken)
                    .ConfigureAwait(false);
                row[property] = value;
                return OrganizationRow.Read(row);
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
            }
        }

        throw new StorageUnavailableException("The organization is being changed by too many requests at once; try again.");
    }

    /// <summary>Every organization with its totals. A scan across partitions: for administration, not for request paths.</summary>
    public async IAsyncEnumerable<Organization> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in table.AcrossPartitionsAsync(TableLayout.OrganizationRow, cancellationToken).ConfigureAwait(false))
        {
            yield return await GetAsync(row.PartitionKey, cancellationToken).ConfigureAwait(false) ?? OrganizationRow.Read(row);
        }
    }

    private static void ValidateSeats(int? maxSeats)
    {
        if (maxSeats is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSeats), "The seat limit cannot be negative.");
        }
    }
}

/// <summary>The properties of the organization row.</summary>
internal static class OrganizationRow
{
    public const string Name = "Name";
    public const string MaxSeats = "MaxSeats";
    public const string Users = "Users";
    public const string ActiveUsers = "ActiveUsers";
    public const string UnmanagedUsers = "UnmanagedUsers";
    public const string Groups = "Groups";
    public const string Created = "Created";
    public const string Adoption = "Adoption";
    public const string Restore = "Restore";

    /// <summary>Set by the first DELETE of a user: until then a POST need not look for a deleted user to restore.</summary>
    public const string HasDeletedUsers = "HasDeletedUsers";

    /// <summary>MaxSeats stored for "no limit" (a merge cannot remove a property).</summary>
    public const int Unlimited = -1;

    public static TableEntity Create(string organizationId, string name, int? maxSeats, DateTimeOffset now) =>
        new(organizationId, TableLayout.OrganizationRow)
        {
            [Name] = name,
            [MaxSeats] = maxSeats ?? Unlimited,
            [Users] = 0L,
            [ActiveUsers] = 0L,
            [UnmanagedUsers] = 0L,
            [Groups] = 0L,
            [Created] = now,
        };

    public static Organization Read(TableEntity row)
    {
        var seats = row.GetInt32(MaxSeats);
        return new Organization(
            row.PartitionKey,
            row.GetString(Name) ?? row.PartitionKey,
            seats is null or Unlimited ? null : seats,
            row.GetInt64(Users) ?? 0,
            row.GetInt64(ActiveUsers) ?? 0,
            row.GetInt64(UnmanagedUsers) ?? 0,
            row.GetInt64(Groups) ?? 0,
            row.GetDateTimeOffset(Created) ?? DateTimeOffset.MinValue,
            AdoptionRules.Parse(row.GetString(Adoption)),
            !string.Equals(row.GetString(Restore), "off", StringComparison.Ordinal),
            row.GetBoolean(HasDeletedUsers) == true);
    }

}
