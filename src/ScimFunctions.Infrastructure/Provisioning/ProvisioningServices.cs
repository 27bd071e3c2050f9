using Microsoft.Extensions.Logging;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Journal;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Storage.Groups;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>
/// The provisioning services of one process over one table, composed in one place: the endpoint, <c>scim-admin</c> and
/// the tests build exactly the same graph (one counter cache, one page-boundary cache, one write gate per process).
/// </summary>
public sealed class ProvisioningServices
{
    /// <param name="table">The SCIM table.</param>
    /// <param name="registry">The schemas, with the configured extensions.</param>
    /// <param name="options">Limits.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Loggers.</param>
    /// <param name="events">Where change events go; without one (scim-admin, tests), they wait in the outbox for the app's sweep.</param>
    public ProvisioningServices(ScimTable table, ScimSchemaRegistry registry, ProvisioningOptions options, TimeProvider time, ILoggerFactory loggers, IEventQueue? events = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        Table = table;
        Outbox = new ChangeOutbox(table, events ?? new UnconfiguredEventQueue(), time, loggers.CreateLogger<ChangeOutbox>());
        Organizations = new OrganizationStore(table, time);
        var gate = new OrganizationWriteGate();
        Counters = new OrganizationCounters(table, gate, time);
        var pages = new PageBoundaryCache();
        Users = new UserService(new TableUserStore(table, Organizations, Counters, Outbox, pages, options, registry.User, time), registry, options, time, loggers.CreateLogger<UserService>());
        Groups = new GroupService(new TableGroupStore(table, Organizations, Counters, Outbox, pages, options, registry.Group, time), registry, options, time, gate);
        Options = options;
        Journal = new ActivityJournal(table, time);
        Guard = new MassChangeGuard(table, Journal, Counters, time, loggers.CreateLogger<MassChangeGuard>());
    }

    /// <summary>The activity journal (one row per write request).</summary>
    public ActivityJournal Journal { get; }

    /// <summary>The mass-change guard over the journal.</summary>
    public MassChangeGuard Guard { get; }

    public ScimTable Table { get; }

    public OrganizationStore Organizations { get; }

    public OrganizationCounters Counters { get; }

    /// <summary>The change events' outbox and its dispatcher.</summary>
    public ChangeOutbox Outbox { get; }

    public UserService Users { get; }

    public GroupService Groups { get; }

    public ProvisioningOptions Options { get; }
}
