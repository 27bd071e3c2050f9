using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// POST /.search at the service root (RFC 7644 §3.4.3): one search over users and groups. Results are users then
/// groups, each with its own <c>schemas</c> and <c>meta.resourceType</c>; <c>totalResults</c> is the sum of both
/// types' exact totals, and <c>startIndex</c>/<c>count</c> page across the two as one list. A filter on an attribute
/// that only one type has matches nothing of the other; a filter that neither type can evaluate is
/// <c>invalidFilter</c>. Cursors page one resource type, so a root search refuses them.
/// </summary>
public sealed class RootSearch(UserService users, GroupService groups, ProvisioningOptions options)
{
    public async Task<ScimResult> SearchAsync(ScimRequestContext context, ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Cursor is not null)
        {
            return ScimError.InvalidValue("A search at the service root pages by startIndex and count; cursors page /Users or /Groups.");
        }

        var startIndex = Math.Max(1, request.StartIndex ?? 1);
        var userPage = await users.ListAsync(context, request with { StartIndex = startIndex, Count = Math.Clamp(request.Count ?? options.DefaultPageSize, 0, options.MaxResults) }, cancellationToken).ConfigureAwait(false);
        if (!Usable(userPage, out var userError))
        {
            return userError!;
        }

        var userItems = Resources(userPage);
        var userTotal = Total(userPage);
        var wanted = Math.Clamp(request.Count ?? options.DefaultPageSize, 0, options.MaxResults);
        var groupRequest = request with
        {
            StartIndex = (int)Math.Max(1, startIndex - userTotal),
            Count = Math.Max(0, wanted - userItems.Count),
        };
        var groupPage = await groups.ListAsync(context, groupRequest, cancellationToken).ConfigureAwait(false);
        if (!Usable(groupPage, out var groupError))
        {
            return groupError!;
        }

        if (userPage.Error is not null && groupPage.Error is not null)
        {
            return userPage.Error;
        }

        // A group page is only part of this page when the users did not fill it.
        var groupItems = startIndex + userItems.Count > userTotal ? Resources(groupPage) : [];
        var page = userItems.Concat(groupItems).Take(wanted).Select(r => r.DeepClone()).ToList();
        return ScimResult.Ok(ScimListResponse.Create(page, userTotal + Total(groupPage), startIndex));
    }

    /// <summary>A type's page, or an invalidFilter that only means "this type has no such attribute".</summary>
    private static bool Usable(ScimResult page, out ScimError? error)
    {
        error = page.Error;
        return page.Error is null || page.Error.ScimType == ScimErrorType.InvalidFilter;
    }

    private static List<JsonNode> Resources(ScimResult page) =>
        page.Body?["Resources"] is JsonArray items ? [.. items.Where(i => i is not null).Select(i => i!)] : [];

    private static long Total(ScimResult page) => page.Body?["totalResults"]?.GetValue<long>() ?? 0;
}
