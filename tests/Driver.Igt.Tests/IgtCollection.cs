namespace Driver.Igt.Tests;

/// <summary>
/// The IGT-style suite runs alone, not alongside the other test classes: each subtest drives whole simulated
/// devices (an engine thread per engine, heartbeat, reset worker) through hangs and resets, and in parallel with the
/// rest of the suite the extra load only makes every timing-sensitive test on a small machine less reliable.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IgtCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "igt";
}
