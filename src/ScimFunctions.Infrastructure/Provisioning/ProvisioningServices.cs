using Microsoft.Extensions.Logging;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>
/// The provisioning services of one process over one table, composed in one place: the endpoint, <c>scim-admin</c> and
/// the tests build exactly the same graph (one counter cache, one page-boundary cache, one write gate per process).
/// </summary>
public sealed class ProvisioningServices
{
    public ProvisioningServices(ScimTable table, ScimSchemaRegistry registry, ProvisioningOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        Table = table;
        Organizations = new OrganizationStore(table, time);
        var gate = new OrganizationWriteGate();
        Counters = new OrganizationCounters(table, gate);
        var pages = new PageBoundaryCache();
        Users = new UserService(table, Organizations, registry, options, pages, time, loggers.CreateLogger<UserService>(), Counters);
        Groups = new GroupService(table, Organizations, registry, options, pages, time, gate, Counters);
        Options = options;
    }

    public ScimTable Table { get; }

    public OrganizationStore Organizations { get; }

    public OrganizationCounters Counters { get; }

    public UserService Users { get; }

    public GroupService Groups { get; }

    public ProvisioningOptions Options { get; }
}
