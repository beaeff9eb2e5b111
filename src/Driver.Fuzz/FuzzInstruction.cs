using Driver.Engines.Isa;

namespace Driver.Fuzz;

/// <summary>
/// One fuzzed instruction: its kind, its address operand, a value (stored value, compare data, nanoseconds, raw
/// dword, or the header's bad bits) and a compare op (0-7).
/// </summary>
public sealed record FuzzInstruction(InstructionKind Kind, FuzzAddress Address, uint Value, uint Op)
{
    /// <summary>Stored value meaning "the batch's own seqno plus Value - 2" when storing to the breadcrumb.</summary>
    public const uint SeqnoRelativeBase = 2;

    /// <summary>The dwords, with addresses resolved by <paramref name="resolve"/> and the breadcrumb's seqno <paramref name="seqno"/>.</summary>
    public uint[] Encode(Func<FuzzAddress, uint> resolve, uint seqno) => Kind switch
    {
        InstructionKind.Noop => [Mi.Noop],
        InstructionKind.ArbCheck => [Mi.ArbCheck],
        InstructionKind.End => [Mi.BatchBufferEnd],
        InstructionKind.Store => Mi.StoreDword(resolve(Address), Address.Kind == AddressKind.Breadcrumb && Value < 8 ? seqno + Value - SeqnoRelativeBase : Value),
        InstructionKind.SemaphoreWait => [Mi.Header(MiOpcode.SemaphoreWait, ((Op & 7) << 12) | 1), Value, resolve(Address)],
        InstructionKind.ConditionalEnd => [Mi.Header(MiOpcode.ConditionalBatchBufferEnd, ((Op & 7) << 12) | 1), Value, resolve(Address)],
        InstructionKind.Jump => Mi.BatchBufferStart(resolve(Address)),
        InstructionKind.Work => Mi.Work(Value),
        InstructionKind.Raw => [Value],
        // Op picks the opcode; Value's low byte the length and bits 22:8 reserved bits.
        InstructionKind.BadHeader => [Mi.Header(s_opcodes[Op % (uint)s_opcodes.Length]) | (Value & 0x7FFFFF)],
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    private static readonly uint[] s_opcodes =
    [
        MiOpcode.ArbCheck, MiOpcode.BatchBufferEnd, MiOpcode.SemaphoreWait, MiOpcode.StoreDwordImm,
        MiOpcode.BatchBufferStart, MiOpcode.ConditionalBatchBufferEnd, MiOpcode.Work,
    ];

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        InstructionKind.Noop or InstructionKind.ArbCheck or InstructionKind.End => Kind.ToString(),
        InstructionKind.Store => $"Store {Address} <- 0x{Value:x}",
        InstructionKind.SemaphoreWait or InstructionKind.ConditionalEnd => $"{Kind} {Address} op{Op & 7} 0x{Value:x}",
        InstructionKind.Jump => $"Jump {Address}",
        InstructionKind.Work => $"Work {Value} ns",
        InstructionKind.Raw => $"Raw 0x{Value:x}",
        _ => $"BadHeader op{Op} bits 0x{Value & 0x7FFFFF:x}",
    };
}
