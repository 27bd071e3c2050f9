using System.Text.Json.Nodes;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Organizations;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// List and search (RFC 7644 §3.4.2) over one resource type of an organization, ordered by id (the row key):
/// <list type="bullet">
/// <item>no filter: one key-range read of the page (O(page)), totalResults from the organization's counters;</item>
/// <item>a filter an index answers (<see cref="IndexPlanner"/>): point or prefix reads of the candidates (O(matches));</item>
/// <item>any other filter: every resource of the organization is read and evaluated (O(resources)), because
///   totalResults must count every match.</item>
/// </list>
/// </summary>
internal static class ResourceLister
{
    internal sealed record Source(
        ScimTable Table,
        OrganizationCounters Counters,
        PageBoundaryCache PageBoundaries,
        ProvisioningOptions Options,
        ResourceTypeDefinition ResourceType,
        string Prefix,
        Func<Organization, long> Total,
        Func<string, IndexLookup, CancellationToken, Task<IEnumerable<string>>> Lookup,
        Application.Provisioning.Stores.ResourceRepresenter Represent,
        Func<string, StoredResource, CompiledFilter, CancellationToken, Task<JsonObject>>? Evaluable = null);

    public static async Task<ScimResult> ListAsync(Source source, ScimRequestContext context, ListRequest request, CancellationToken cancellationToken)
    {
        var selection = AttributeSelection.Parse(source.ResourceType, request.Attributes, request.ExcludedAttributes);
        var count = Math.Clamp(request.Count ?? source.Options.DefaultPageSize, 0, source.Options.MaxResults);
        var startIndex = Math.Max(1, request.StartIndex ?? 1);
        var organization = context.OrganizationId;

        if (!string.IsNullOrWhiteSpace(request.Filter))
        {
            var filter = FilterCompiler.Compile(request.Filter, source.ResourceType);
            var matches = await MatchAsync(source, organization, filter, cancellationToken).ConfigureAwait(false);
            string? after = request.Cursor is null ? null : PagedRows.DecodeCursor(request.Cursor, source.Prefix);
            var remaining = after is null
                ? matches.Skip(request.Cursor is null ? startIndex - 1 : 0)
                : matches.Where(m => string.CompareOrdinal(m.Row().RowKey, after) > 0);
            var page = remaining.Take(count + 1).ToList();
            var hasMore = page.Count > count;
            page = page.Take(count).ToList();
            return await RespondAsync(source, context, selection, page, matches.Count, request.Cursor is null ? startIndex : null,
                request.Cursor is not null && hasMore ? PagedRows.EncodeCursor(page[^1].Row().RowKey) : null, cancellationToken).ConfigureAwait(false);
        }

        // Totals and their version in one read: the organization row and its counter shards.
        var snapshot = await source.Counters.ReadAsync(organization, cancellationToken).ConfigureAwait(false);
        var total = snapshot is null ? 0 : source.Total(snapshot.Totals);
        var version = snapshot?.Version ?? string.Empty;
        var afterKey = request.Cursor is not null
            ? PagedRows.DecodeCursor(request.Cursor, source.Prefix)
            : await PagedRows.FindStartAsync(source.Table, source.PageBoundaries, organization, source.Prefix, startIndex, version, cancellationToken).ConfigureAwait(false);
        var rows = await PagedRows.ReadAsync(source.Table, organization, source.Prefix, afterKey, count, cancellationToken).ConfigureAwait(false);
        if (request.Cursor is null && rows.Rows.Count > 0)
        {
            source.PageBoundaries.Set(organization, source.Prefix, startIndex + rows.Rows.Count, rows.Rows[^1].RowKey, version);
        }

        var resources = rows.Rows.Select(r => TableResources.Read(r, source.Prefix)).ToList();
        return await RespondAsync(source, context, selection, resources, total, request.Cursor is null ? startIndex : null,
            request.Cursor is not null && rows.HasMore ? PagedRows.EncodeCursor(rows.Rows[^1].RowKey) : null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<StoredResource>> MatchAsync(Source source, string organization, CompiledFilter filter, CancellationToken cancellationToken)
    {
        var matches = new List<StoredResource>();
        var plan = IndexPlanner.Plan(filter.Expression, source.ResourceType);
        if (plan is not null)
        {
            var ids = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var lookup in plan)
            {
                ids.UnionWith(await source.Lookup(organization, lookup, cancellationToken).ConfigureAwait(false));
            }

            foreach (var id in ids)
            {
                if (!ResourceRows.IsResourceId(id))
                {
                    continue;
                }

                var row = await source.Table.GetAsync(organization, source.Prefix + id, cancellationToken).ConfigureAwait(false);
                if (row is null)
                {
                    continue;
                }

                var stored = TableResources.Read(row, source.Prefix);
                if (filter.Matches(await EvaluableAsync(source, organization, stored, filter, cancellationToken).ConfigureAwait(false)))
                {
                    matches.Add(stored);
                }
            }

            return matches;
        }

        await foreach (var row in source.Table.RangeAsync(organization, source.Prefix, TableLayout.PrefixEnd(source.Prefix), cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            var stored = TableResources.Read(row, source.Prefix);
            if (filter.Matches(await EvaluableAsync(source, organization, stored, filter, cancellationToken).ConfigureAwait(false)))
            {
                matches.Add(stored);
            }
        }

        return matches;
    }

    /// <summary>The resource as filters see it: with id and meta, and whatever else the source adds (members).</summary>
    private static Task<JsonObject> EvaluableAsync(Source source, string organization, StoredResource stored, CompiledFilter filter, CancellationToken cancellationToken) =>
        source.Evaluable?.Invoke(organization, stored, filter, cancellationToken)
        ?? Task.FromResult(stored.ToRepresentation(source.ResourceType.Name, string.Empty));

    private static async Task<ScimResult> RespondAsync(
        Source source,
        ScimRequestContext context,
        AttributeSelection selection,
        List<StoredResource> page,
        long total,
        int? startIndex,
        string? nextCursor,
        CancellationToken cancellationToken)
    {
        var resources = new List<JsonNode>(page.Count);
        foreach (var resource in page)
        {
            resources.Add(await source.Represent(context, resource, selection, cancellationToken).ConfigureAwait(false));
        }

        return ScimResult.Ok(ScimListResponse.Create(resources, total, startIndex, nextCursor));
    }
}
