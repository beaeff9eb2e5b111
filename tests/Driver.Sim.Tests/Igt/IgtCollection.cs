namespace Driver.Sim.Tests.Igt;

/// <summary>
/// The front end's tests that run real subtests (traces, results) run alone: each drives whole simulated devices
/// through hangs and resets, and alongside other tests the extra load makes timing on a small machine less reliable.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IgtCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "igt";
}
