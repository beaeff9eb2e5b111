using Driver.Core.Hw;

namespace Driver.Drm.I915;

/// <summary>What the i915 driver front reports about the device it fronts, and how it treats its clients.</summary>
public sealed record I915DriverOptions
{
    /// <summary>The PCI device id GETPARAM CHIPSET_ID reports: Tiger Lake GT2 (0x9a49), a gen12.0 part, by default.</summary>
    public int ChipsetId { get; init; } = 0x9a49;

    /// <summary>
    /// Tiger Lake's engines as i915 exposes them (tgl_info's platform_engine_mask less a fused-off second VDBOX):
    /// rcs0, bcs0, vcs0, vecs0. Gen 12.0 has no compute engine: CCS arrives with gen 12.50 (DG2), and with it the
    /// render/compute shared reset domain.
    /// </summary>
    public static IReadOnlyList<EngineId> TigerLakeEngines { get; } = [EngineId.Rcs0, EngineId.Bcs0, EngineId.Vcs0, EngineId.Vecs0];

    /// <summary>
    /// The part's uabi engines (the engines its engine_mask holds), in id order: what QUERY engine_info lists, what
    /// an engine map may name, and which sysfs engine/ directories exist. Must agree with <see cref="ChipsetId"/>;
    /// the device behind the driver may have more engines, which the driver then never uses. Tiger Lake's by
    /// default.
    /// </summary>
    public IReadOnlyList<EngineId> Engines { get; init; } = TigerLakeEngines;

    /// <summary>The PCI revision GETPARAM REVISION reports.</summary>
    public int Revision { get; init; } = 1;

    /// <summary>
    /// Whether clients may count as CAP_SYS_ADMIN / CAP_SYS_NICE (unbannable contexts, raised priorities and the
    /// global reset count in GET_RESET_STATS need it). When true, each such ioctl still asks the calling process's
    /// credentials (<see cref="IDrmCaller.Capable"/>), as the kernel's capable() does; false denies them all.
    /// </summary>
    public bool Privileged { get; init; } = true;

    /// <summary>Where objects lie in the shared arena, for mmap.</summary>
    public IGemMemoryMap MemoryMap { get; init; } = new UnbackedGemMemoryMap();

    /// <summary>
    /// Whether execbuf waits for ring space (eb_throttle, <see cref="IntelRing"/>): on, as in i915, so a client that
    /// queues behind a hung or spinning batch blocks interruptibly rather than growing its queue without bound.
    /// </summary>
    public bool RingThrottle { get; init; } = true;

    /// <summary>The DRM minor (card number) the virtual files name (debugfs dri/N, sysfs 226:N).</summary>
    public int Minor { get; init; }
}
