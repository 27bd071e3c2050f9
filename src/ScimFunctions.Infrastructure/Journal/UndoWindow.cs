using System.Text.Json.Nodes;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Provisioning;

namespace ScimFunctions.Infrastructure.Journal;

/// <summary>What <see cref="UndoWindow"/> did for one user.</summary>
public sealed record UndoneChange(string UserId, string? UserName, string Change, int Status, string? Detail);

/// <summary>
/// <c>scim-admin org undo-window</c>: reverses exactly the deactivations and deletes an organization's journal
/// records since a time (a scoping mistake in the identity provider): deleted users are restored with their groups,
/// deactivated ones reactivated, seats permitting. A user whose last change in the window already reversed it (or was
/// made later by the identity provider) is left alone.
/// </summary>
public static class UndoWindow
{
    public static async Task<IReadOnlyList<UndoneChange>> RunAsync(ProvisioningServices services, ScimRequestContext context, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        var last = new Dictionary<string, ActivityEntry>(StringComparer.Ordinal);
        await foreach (var entry in services.Journal.ReadAsync(context.OrganizationId, since, null, null, cancellationToken).ConfigureAwait(false))
        {
            if (entry is { ResourceType: "User", Outcome: "committed", ResourceId: { } id, Effect: not null })
            {
                last[id] = entry;
            }
        }

        var undone = new List<UndoneChange>();
        foreach (var (id, entry) in last.OrderBy(e => e.Value.Time))
        {
            ScimResult result;
            string change;
            if (entry.Effect == ChangeEventTypes.UserDeleted)
            {
                change = "restored";
                result = await services.Users.RestoreAsync(context, id, cancellationToken).ConfigureAwait(false);
            }
            else if (entry.Effect == ChangeEventTypes.UserDeactivated)
            {
                change = "reactivated";
                var patch = JsonNode.Parse("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}""");
                result = await services.Users.PatchAsync(context, id, patch, null, Projection.Default, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                continue;
            }

            undone.Add(new UndoneChange(id, entry.Name, change, result.Status, result.Error?.Detail));
        }

        return undone;
    }
}
