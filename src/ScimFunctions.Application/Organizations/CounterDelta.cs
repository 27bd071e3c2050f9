namespace ScimFunctions.Application.Organizations;

/// <summary>What one write changes in an organization's totals.</summary>
public readonly record struct CounterDelta(long Users = 0, long ActiveUsers = 0, long UnmanagedUsers = 0, long Groups = 0)
{
    public bool IsZero => Users == 0 && ActiveUsers == 0 && UnmanagedUsers == 0 && Groups == 0;
}
