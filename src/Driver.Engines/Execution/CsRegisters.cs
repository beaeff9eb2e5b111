namespace Driver.Engines.Execution;

/// <summary>
/// The registers of one context on one engine that the command streamer models: the part of the logical ring
/// context image (the LRC's register state) a batch can see. What is modelled: the 16 64-bit CS_GPRs and
/// MI_PREDICATE_RESULT_1 — saved and restored with the context, so they survive a preemption or timeslice and are
/// not seen by another context (as the LRC's save/restore does). RING_TIMESTAMP is a free-running engine counter, not
/// context state. What is not: the rest of the register space (an LRI/LRM to it is dropped and an SRM/LRR of it
/// reads 0, as the hardware drops a non-privileged batch's write to a register off its allow-list), CTX_TIMESTAMP,
/// and the scrub of a guilty context's image after a reset (i915 restores the default state there; here the
/// registers keep their values). Touched only by the engine's thread.
/// </summary>
public sealed class CsRegisters
{
    private readonly ulong[] _gprs = new ulong[EngineMmio.GprCount];

    /// <summary>MI_PREDICATE_RESULT_1.</summary>
    public uint PredicateResult1 { get; set; }

    /// <summary>GPR <paramref name="n"/> (0..15), 64 bits.</summary>
    public ulong this[int n]
    {
        get => _gprs[n];
        set => _gprs[n] = value;
    }

    /// <summary>Reads the dword register at <paramref name="offset"/> from the engine's mmio_base; 0 if not modelled.</summary>
    public uint Read(uint offset)
    {
        if (offset - EngineMmio.Gpr0 < EngineMmio.GprCount * 8)
        {
            uint i = (offset - EngineMmio.Gpr0) / 4;
            ulong gpr = _gprs[i / 2];
            return (i & 1) == 0 ? (uint)gpr : (uint)(gpr >> 32);
        }

        return offset switch
        {
            EngineMmio.RingTimestamp => (uint)EngineMmio.Timestamp(),
            EngineMmio.RingTimestamp + 4 => (uint)(EngineMmio.Timestamp() >> 32),
            EngineMmio.PredicateResult1 => PredicateResult1,
            _ => 0,
        };
    }

    /// <summary>
    /// Writes the dword register at <paramref name="offset"/> from the engine's mmio_base; dropped when not modelled
    /// or read-only (RING_TIMESTAMP).
    /// </summary>
    public void Write(uint offset, uint value)
    {
        if (offset - EngineMmio.Gpr0 < EngineMmio.GprCount * 8)
        {
            uint i = (offset - EngineMmio.Gpr0) / 4;
            ref ulong gpr = ref _gprs[i / 2];
            gpr = (i & 1) == 0 ? (gpr & 0xFFFF_FFFF_0000_0000UL) | value : (gpr & 0xFFFF_FFFFUL) | ((ulong)value << 32);
        }
        else if (offset == EngineMmio.PredicateResult1)
        {
            PredicateResult1 = value;
        }
    }
}
