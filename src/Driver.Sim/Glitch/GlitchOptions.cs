using Driver.Reset.Mmap;

namespace Driver.Sim.Glitch;

/// <summary>Parameters of a <see cref="GlitchRunner"/> run.</summary>
public sealed record GlitchOptions
{
    /// <summary>The mmap reset policy under test.</summary>
    public MmapResetPolicy Policy { get; init; } = MmapResetPolicy.Revoke;

    /// <summary>How long the main thread keeps resetting.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Mmap user threads (each owns one X-tiled and one Y-tiled object).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>
    /// Whether the main thread resets at all. Off, the run measures mmap access throughput outside resets (the
    /// benchmark comparing the policies' cost on the access path).
    /// </summary>
    public bool Resets { get; init; } = true;

    /// <summary>Stop after this many full resets even if <see cref="Duration"/> has not elapsed (a bound for tests).</summary>
    public int MaxResets { get; init; } = int.MaxValue;

    /// <summary>
    /// Every this many resets, wedge and unwedge instead of a full reset (0: never). Both reset the hardware without
    /// the policy's revoke or stop, as i915's do, so their windows glitch under every policy.
    /// </summary>
    public int WedgeEvery { get; init; }

    /// <summary>
    /// Before each reset after the first, wait at most this long for every user thread to complete an access since
    /// the previous reset. Back-to-back resets otherwise starve the threads waiting on the reset lock (revoke): each
    /// one is woken when BACKOFF clears, but the reset loop sets it again before the woken thread gets to run.
    /// Zero disables the gate.
    /// </summary>
    public TimeSpan ProgressGate { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Size of each object in bytes: a whole number of X tile rows (stride 2048) and Y tile rows (stride 512).</summary>
    public int ObjectBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// How long the runner waits for the user threads to stop once told to (each stops after its current mapping's
    /// pass, a few ms): a thread still running then is stuck in an access, and the run fails instead of hanging.
    /// </summary>
    public TimeSpan JoinBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tests only: called by user thread <c>t</c> before each pass over its mappings (a stuck access's stand-in).</summary>
    internal Action<int>? BeforePass { get; init; }
}
