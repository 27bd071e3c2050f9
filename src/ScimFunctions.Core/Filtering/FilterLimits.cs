namespace ScimFunctions.Core.Filtering;

/// <summary>Bounds that keep a hostile filter from costing more than a normal one.</summary>
public sealed record FilterLimits
{
    public static FilterLimits Default { get; } = new();

    /// <summary>Characters in the filter text.</summary>
    public int MaxLength { get; init; } = 4096;

    /// <summary>Nesting of parentheses, <c>not</c> and value paths.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Comparisons and presence tests.</summary>
    public int MaxConditions { get; init; } = 64;
}
