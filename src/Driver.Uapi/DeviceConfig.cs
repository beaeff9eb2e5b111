using Driver.Core.Locking;
using Driver.Core.Resv;
using Driver.Engines.Gt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;

namespace Driver.Uapi;

/// <summary>Everything that configures a simulated device.</summary>
public sealed record DeviceConfig
{
    /// <summary>GT: memory, GGTT, engine options, wedge strategy.</summary>
    public GtConfig Gt { get; init; } = new();

    /// <summary>
    /// Turn the lock validator on for the process when this device is opened (it is process-wide, like lockdep;
    /// GPUSIM_LOCKDEP=1 does the same from the environment).
    /// </summary>
    public bool Lockdep { get; init; }

    /// <summary>Hang detection and recovery.</summary>
    public ResetConfig Reset { get; init; } = new();

    /// <summary>How long an unsignalled vgem fence waits before signalling itself with -ETIMEDOUT (10 s in vgem).</summary>
    public TimeSpan VgemFenceTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// What a full reset does about GTT mmaps (configuration name <c>mmapResetPolicy</c>: "glitch", "stop-machine",
    /// "revoke"); the kernel's behaviour, revoke, by default.
    /// </summary>
    public MmapResetPolicy MmapResetPolicy { get; init; } = MmapResetPolicy.Revoke;

    /// <summary>The device's name in reports (the deadlock watchdog's, a scenario's "peer"); "card0" by default.</summary>
    public string Name { get; init; } = "card0";

    /// <summary>
    /// Which reset-locking rule the driver keeps (configuration name <c>resetLockingRule</c>: "i915", "amdgpu"):
    /// i915's (waits on fences under reservation locks allowed, the reset takes none) by default. A device sharing a
    /// buffer with a device of the other rule can deadlock when a hang strikes (docs/prime.md).
    /// </summary>
    public ResetLockingRule ResetLockingRule { get; init; } = ResetLockingRule.I915;

    /// <summary>Number of fence (detiling) registers: 8, 16 or 32.</summary>
    public int FenceRegisters { get; init; } = 16;

    /// <summary>
    /// A configuration for tests: short heartbeat and preempt timeout so hangs are found in tens of milliseconds
    /// (i915's ratios kept: preempt timeout about a quarter of the interval), a short wedge watchdog.
    /// </summary>
    public static DeviceConfig Fast(WedgeStrategy strategy = WedgeStrategy.Epoch) => new()
    {
        Gt = new GtConfig { MemoryBytes = 256L << 20, GgttBytes = 512L << 20, WedgeStrategy = strategy },
        Reset = new ResetConfig
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(40),
            PreemptTimeout = TimeSpan.FromMilliseconds(10),
            WedgeTimeout = TimeSpan.FromSeconds(2),
            UnwedgeWaitTimeout = TimeSpan.FromSeconds(1),
        },
    };

    /// <summary>
    /// Opens the process-lifetime expectation of each deadlock GpuSim models on purpose that this configuration's
    /// designs produce (<see cref="KnownSplats"/>): the 2018 splat for either stop-machine design, the mixed-rules
    /// cycle for the amdgpu rule or a peer device. Lockdep is class-based, so the other half may come from another
    /// device of the process; the expectation absorbs only the cycle it names.
    /// </summary>
    /// <param name="withPeer">Whether the device shares buffers with a peer device (either rule then mixes).</param>
    public void ExpectKnownSplats(bool withPeer = false)
    {
        if (Gt.WedgeStrategy == WedgeStrategy.StopMachine || MmapResetPolicy == MmapResetPolicy.StopMachine)
        {
            KnownSplats.StopMachine2018();
        }

        if (withPeer || ResetLockingRule != ResetLockingRule.I915)
        {
            KnownSplats.MixedResetRules();
        }
    }
}
