namespace Driver.Reset.Recovery;

/// <summary>Hang detection and recovery settings; defaults are i915's.</summary>
public sealed record ResetConfig
{
    /// <summary>Heartbeat interval; zero disables the heartbeat (and so hang detection by it).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(2500);

    /// <summary>How long a raised-priority pulse may wait for the running batch to yield before the engine is reset.</summary>
    public TimeSpan PreemptTimeout { get; init; } = TimeSpan.FromMilliseconds(640);

    /// <summary>Per-engine reset available (i915.reset >= 2). When off, every hang escalates to a full reset.</summary>
    public bool EngineResetEnabled { get; init; } = true;

    /// <summary>Full device reset available (i915.reset >= 1). When off, a hang wedges the device.</summary>
    public bool FullResetEnabled { get; init; } = true;

    /// <summary>A full reset that takes longer than this wedges the device (intel_wedge_on_timeout; 60 s in i915).</summary>
    public TimeSpan WedgeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Window within which a repeated hang bans a bannable context (CONTEXT_FAST_HANG_JIFFIES, 120 s).</summary>
    public TimeSpan BanWindow { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Hangs inside <see cref="BanWindow"/> that ban a bannable context. i915's mark_guilty keeps the times of the two
    /// hangs before this one (hang_timestamp[2]) and bans when the older is within the window: the 3rd fast hang bans.
    /// </summary>
    public int HangsToBan { get; init; } = 3;

    /// <summary>Window for the client's fast-hang score (I915_CLIENT_FAST_HANG_JIFFIES, 60 s).</summary>
    public TimeSpan ClientFastHangWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an engine gets to reach a safe point when a reset stops it; longer counts as a failed reset.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Bound on waiting for active timelines when unwedging (external fences, 10 s in i915).</summary>
    public TimeSpan UnwedgeWaitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Engines (a mask of <see cref="Driver.Core.Hw.EngineId"/> bits) that share one hardware reset domain, so an
    /// engine reset of any of them resets all of them (get_reset_domain: from gen 12.50 every CCS is in the render
    /// domain, GEN11_GRDOM_RENDER). Zero, the default, is a part whose engines each reset alone, as on gen 12.0
    /// (Tiger Lake has no CCS); <see cref="RenderComputeDomain"/> is the gen 12.50+ (DG2) layout.
    /// </summary>
    public uint SharedResetDomain { get; init; }

    /// <summary>rcs0 and ccs0 in one reset domain, as on the parts that have a compute engine (gen 12.50+).</summary>
    public const uint RenderComputeDomain = (1u << (int)Driver.Core.Hw.EngineId.Rcs0) | (1u << (int)Driver.Core.Hw.EngineId.Ccs0);

    /// <summary>Capture an error state on hangs.</summary>
    public bool CaptureErrorState { get; init; } = true;
}
