namespace Driver.Sim.Tests.Scenarios;

/// <summary>
/// Tests that run whole scenarios share one collection so they run one at a time: each keeps every engine thread
/// busy, and running several at once on a small machine would starve the heartbeat's preemption.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScenarioCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Scenario runs";
}
