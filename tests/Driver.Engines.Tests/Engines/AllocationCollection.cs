namespace Driver.Engines.Tests.Engines;

/// <summary>
/// Tests that count the process's allocations (GC.GetTotalAllocatedBytes, every thread) run alone: another test's
/// threads allocating meanwhile would be counted against the path measured.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "Allocation";
}
