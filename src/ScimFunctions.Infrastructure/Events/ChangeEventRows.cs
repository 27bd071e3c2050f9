using Azure.Data.Tables;
using ScimFunctions.Application.Events;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Events;

/// <summary>Change events as outbox rows (docs/events.md): written in the transaction of their change.</summary>
internal static class ChangeEventRows
{
    public const string BodyProperty = "Body";

    /// <summary>
    /// The outbox row: <c>o:{time ticks}:{id}</c>, so that the rows of an organization sort by commit time (the order
    /// in which the dispatcher sends them).
    /// </summary>
    public static TableTransactionAction Row(this ChangeEvent change) =>
        new(TableTransactionActionType.Add, new TableEntity(change.OrganizationId, TableLayout.Outbox(change.Time, change.Id))
        {
            ["Type"] = change.Type,
            [BodyProperty] = change.ToJson().ToJsonString(),
        });
}
