namespace Driver.Fuzz.Tests;

/// <summary>
/// The fuzz properties run alone: each case builds a device with five engine threads, a heartbeat and a reset worker,
/// and its timing-sensitive checks (hangs found, kills within the preempt timeout) would only suffer from sharing two
/// cores with other suites' devices.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    /// <summary>Collection name of the fuzz tests.</summary>
    public const string Name = "Driver.Uapi.Fuzz";
}
