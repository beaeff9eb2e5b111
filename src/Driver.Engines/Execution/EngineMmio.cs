using System.Diagnostics;
using Driver.Core.Hw;

namespace Driver.Engines.Execution;

/// <summary>
/// Where an engine's registers are: its mmio_base (i915's intel_engine_info table for gen12: RENDER_RING_BASE,
/// BLT_RING_BASE, GEN11_BSD_RING_BASE, GEN11_VEBOX_RING_BASE, GEN12_COMPUTE0_RING_BASE) and the offsets from it of
/// the registers the command streamer models (i915 intel_engine_regs.h / IGT gem_exec_fence.c), and the frequency
/// RING_TIMESTAMP counts at.
/// </summary>
public static class EngineMmio
{
    /// <summary>
    /// RING_TIMESTAMP's frequency in Hz: Tiger Lake's 19.2 MHz crystal (GETPARAM I915_PARAM_CS_TIMESTAMP_FREQUENCY
    /// reports this very constant, so a batch timing itself with the register agrees with what userspace was told).
    /// </summary>
    public const long CsTimestampFrequencyHz = 19_200_000;

    /// <summary>RING_TIMESTAMP (low dword); the high dword (RING_TIMESTAMP_UDW) is 4 above.</summary>
    public const uint RingTimestamp = 0x358;

    /// <summary>MI_PREDICATE_RESULT_1: bit 0 is what a predicated MI_BATCH_BUFFER_START tests.</summary>
    public const uint PredicateResult1 = 0x41c;

    /// <summary>CS_GPR(0) low dword (HSW_CS_GPR); GPR n is at 0x600 + 8n, its high dword 4 above.</summary>
    public const uint Gpr0 = 0x600;

    /// <summary>Number of 64-bit general purpose registers.</summary>
    public const int GprCount = 16;

    /// <summary>The engine's mmio_base (sysfs engine/&lt;name&gt;/mmio_base).</summary>
    public static uint MmioBase(EngineId engine) => engine switch
    {
        EngineId.Rcs0 => 0x2000,
        EngineId.Bcs0 => 0x22000,
        EngineId.Vcs0 => 0x1c0000,
        EngineId.Vecs0 => 0x1c8000,
        _ => 0x1a000,
    };

    /// <summary>CS_GPR(<paramref name="n"/>)'s low dword at <paramref name="engine"/>'s mmio_base.</summary>
    public static uint Gpr(EngineId engine, int n) => MmioBase(engine) + Gpr0 + (8 * (uint)n);

    /// <summary>
    /// RING_TIMESTAMP now: a free-running 64-bit count at <see cref="CsTimestampFrequencyHz"/> from the host's
    /// monotonic clock. Not part of any context (CTX_TIMESTAMP is, and is not modelled).
    /// </summary>
    public static ulong Timestamp()
    {
        UInt128 ticks = (UInt128)(ulong)Stopwatch.GetTimestamp() * (ulong)CsTimestampFrequencyHz;
        return (ulong)(ticks / (ulong)Stopwatch.Frequency);
    }
}
