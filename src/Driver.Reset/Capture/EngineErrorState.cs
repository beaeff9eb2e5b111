namespace Driver.Reset.Capture;

/// <summary>
/// One engine's part of an error state (intel_engine_coredump): the command streamer's registers as GpuSim's engine
/// knows them, the active request and its context, and the batch object (the "batch" vma) it was executing.
/// </summary>
/// <param name="Engine">The engine's name.</param>
/// <param name="Head">ACTHD: the GGTT address of the instruction the command streamer was at.</param>
/// <param name="Active">The active request, or null when the engine was idle.</param>
/// <param name="BatchAddress">The GGTT address the active request's batch started at.</param>
/// <param name="BatchDumpAddress">The GGTT address of the first captured dword: the batch object's start.</param>
/// <param name="BatchDwords">The batch object's dwords (empty when not captured).</param>
/// <param name="Fault">The engine fault that stopped it, if that is why it hung.</param>
/// <param name="Queued">Requests queued behind the active one (not captured: i915 no longer prints them).</param>
public sealed record EngineErrorState(
    string Engine,
    uint Head,
    CapturedRequest? Active,
    uint BatchAddress,
    uint BatchDumpAddress,
    IReadOnlyList<uint> BatchDwords,
    string? Fault,
    IReadOnlyList<CapturedRequest> Queued)
{
    /// <summary>The engine's uabi class (the bit it sets in the ecode's hung-class mask).</summary>
    public Driver.Core.Hw.EngineClass Class { get; init; }

    /// <summary>RING_START: where the command streamer started fetching (GpuSim has no ring: the batch's start).</summary>
    public uint Start { get; init; }

    /// <summary>RING_CTL: the fetch window's length in pages minus one in bits 20:12, bit 0 valid.</summary>
    public uint Ctl { get; init; }

    /// <summary>IPEHR: the header dword of the instruction at <see cref="Head"/> (0 when unreadable).</summary>
    public uint Ipehr { get; init; }

    /// <summary>ESR: bit 0 instruction error, bit 4 page table error (i915's I915_ERROR_* bits).</summary>
    public uint Esr { get; init; }

    /// <summary>RING_FAULT_REG: bit 0 valid, bits 14:12 the faulting engine (0 GFX, 1 MFX0, 3 VEBX, 4 BLT).</summary>
    public uint FaultReg { get; init; }

    /// <summary>INSTDONE: GpuSim's command streamers have no units behind them, so all report done.</summary>
    public uint Instdone { get; init; } = uint.MaxValue;

    /// <summary>Whether the engine is one recovery was asked to reset (intel_engine_coredump.hung).</summary>
    public bool Hung { get; init; } = true;

    /// <summary>Engine resets of this engine's class before the capture.</summary>
    public int EngineResetCount { get; init; }

    /// <summary>The active request's context, or null.</summary>
    public CapturedContext? Context { get; init; }

    /// <summary>
    /// The EXEC_OBJECT_CAPTURE objects of the active request, in its execbuf's order (empty when it marked none, or
    /// it asked for no capture).
    /// </summary>
    public IReadOnlyList<CapturedObject> UserObjects { get; init; } = [];

    /// <summary>Whether <see cref="BatchDwords"/> holds the batch (a NoCapture request's batch is left out).</summary>
    public bool HasBatch => BatchDwords.Count > 0;
}
