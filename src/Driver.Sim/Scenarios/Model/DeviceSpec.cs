namespace Driver.Sim.Scenarios.Model;

/// <summary>Device configuration overrides; anything left out keeps i915's default.</summary>
public sealed record DeviceSpec
{
    /// <summary>The device's name in reports (the deadlock watchdog's); "card0" for the device, "peer" for the peer.</summary>
    public string? Name { get; init; }

    /// <summary>Which reset-locking rule the driver keeps (default i915).</summary>
    public ResetLockingRuleName? ResetLockingRule { get; init; }

    /// <summary>Heartbeat interval in ms (0 disables hang detection by heartbeat).</summary>
    public int? HeartbeatMs { get; init; }

    /// <summary>How long a batch may refuse to yield to a raised pulse before its engine is reset, in ms.</summary>
    public int? PreemptTimeoutMs { get; init; }

    /// <summary>Timeslice between equal-priority contexts on an engine, in ms (0 disables timeslicing; default 1).</summary>
    public int? TimesliceMs { get; init; }

    /// <summary>Per-engine reset available; off escalates every hang to a full reset.</summary>
    public bool? EngineReset { get; init; }

    /// <summary>Full device reset available; off (with engine reset off) wedges on a hang.</summary>
    public bool? FullReset { get; init; }

    /// <summary>How the wedge's submit-handler swap is made safe; <c>--wedge-strategy</c> overrides it.</summary>
    public WedgeStrategyName? WedgeStrategy { get; init; }

    /// <summary>Window in which a repeated hang bans a bannable context, in ms.</summary>
    public int? BanWindowMs { get; init; }

    /// <summary>Hangs inside the ban window that ban a context.</summary>
    public int? HangsToBan { get; init; }

    /// <summary>Capture an error state on hangs.</summary>
    public bool? CaptureErrorState { get; init; }

    /// <summary>A full reset longer than this wedges the device, in ms.</summary>
    public int? WedgeTimeoutMs { get; init; }

    /// <summary>Device memory in MiB.</summary>
    public int? MemoryMb { get; init; }

    /// <summary>What a full reset does about GTT mmaps whose fence registers it clears (default revoke).</summary>
    public MmapResetPolicyName? MmapResetPolicy { get; init; }

    /// <summary>Per-engine settings, keyed by engine name ("rcs0"…); engines left out are simulated.</summary>
    public Dictionary<string, EngineSpec>? Engines { get; init; }

    /// <summary>Which Vulkan device Vulkan engines use (index in enumeration order); the preferred one when left out.</summary>
    public int? VkDevice { get; init; }
}
