namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// The hang-recovery tests run one at a time and alone: each device runs five engine threads, a heartbeat and a
/// reset worker, and several of these tests keep spinners busy on every engine. On a 2-core machine running them in
/// parallel with each other (or with other suites) would only starve the threads whose progress they assert.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResetCollection
{
    /// <summary>Collection name used by every test class in this folder.</summary>
    public const string Name = "Driver.Reset";
}
