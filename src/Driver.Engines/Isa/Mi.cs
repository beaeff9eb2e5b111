namespace Driver.Engines.Isa;

/// <summary>Encoders for the instruction set (see docs/isa.md). Length fields count dwords minus two.</summary>
public static class Mi
{
    /// <summary>Header dword for <paramref name="opcode"/> with extra <paramref name="flags"/> bits.</summary>
    public static uint Header(uint opcode, uint flags = 0) => (opcode << 23) | flags;

    /// <summary>Opcode of a header dword (bits 31:23; anything above 0x3F has a non-MI client and is invalid).</summary>
    public static uint Opcode(uint header) => header >> 23;

    /// <summary>Length field (bits 7:0).</summary>
    public static uint Length(uint header) => header & 0xFF;

    /// <summary>Compare op (bits 14:12).</summary>
    public static CompareOp Compare(uint header) => (CompareOp)((header >> 12) & 0x7);

    /// <summary>MI_NOOP.</summary>
    public const uint Noop = 0;

    /// <summary>MI_BATCH_BUFFER_END.</summary>
    public static readonly uint BatchBufferEnd = Header(MiOpcode.BatchBufferEnd);

    /// <summary>MI_ARB_CHECK.</summary>
    public static readonly uint ArbCheck = Header(MiOpcode.ArbCheck);

    /// <summary>MI_STORE_DWORD_IMM: 3 dwords (header, address, value).</summary>
    public static uint[] StoreDword(uint address, uint value) => [Header(MiOpcode.StoreDwordImm, 1), address, value];

    /// <summary>MI_SEMAPHORE_WAIT (polling): 3 dwords (header, data, address); waits until memory <paramref name="op"/> data.</summary>
    public static uint[] SemaphoreWait(uint address, CompareOp op, uint data) =>
        [Header(MiOpcode.SemaphoreWait, ((uint)op << 12) | 1), data, address];

    /// <summary>MI_CONDITIONAL_BATCH_BUFFER_END: 3 dwords (header, data, address); ends the batch if memory <paramref name="op"/> data.</summary>
    public static uint[] ConditionalBatchBufferEnd(uint address, CompareOp op, uint data) =>
        [Header(MiOpcode.ConditionalBatchBufferEnd, ((uint)op << 12) | 1), data, address];

    /// <summary>MI_BATCH_BUFFER_START: 2 dwords (header, address).</summary>
    public static uint[] BatchBufferStart(uint address) => [Header(MiOpcode.BatchBufferStart), address];

    /// <summary>GPUSIM_WORK: 2 dwords (header, nanoseconds).</summary>
    public static uint[] Work(uint nanoseconds) => [Header(MiOpcode.Work), nanoseconds];

    /// <summary>Whether <paramref name="a"/> <paramref name="op"/> <paramref name="b"/> holds; false for an undefined op.</summary>
    public static bool Evaluate(CompareOp op, uint a, uint b) => op switch
    {
        CompareOp.Greater => a > b,
        CompareOp.GreaterOrEqual => a >= b,
        CompareOp.Less => a < b,
        CompareOp.LessOrEqual => a <= b,
        CompareOp.Equal => a == b,
        CompareOp.NotEqual => a != b,
        _ => false,
    };
}
