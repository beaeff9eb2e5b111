namespace Driver.Engines.Isa;

/// <summary>
/// Encoders for the instruction set (see docs/isa.md). Length fields count dwords minus two. Two forms of the
/// addressed instructions: GpuSim's short forms (a 32-bit GGTT address) and the gen8+ forms real i915 batches use (a
/// 64-bit address in two dwords, the <c>…64</c> encoders); the length field tells them apart.
/// </summary>
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

    /// <summary>MI_CONDITIONAL_BATCH_BUFFER_END's compare bit (21): compare memory with the data dword.</summary>
    public const uint DoCompare = 1u << 21;

    /// <summary>MI_STORE_DWORD_IMM's "Store Qword" (bit 21, gen8+, with length 3): two data dwords, low one first.</summary>
    public const uint StoreQword = 1u << 21;

    /// <summary>MI_SEMAPHORE_WAIT's poll bit (15): re-read the address until the compare holds.</summary>
    public const uint SemaphorePoll = 1u << 15;

    /// <summary>MI_BATCH_BUFFER_START's address space indicator (bit 8): the context's ppGTT (GpuSim has one space).</summary>
    public const uint AddressSpacePpgtt = 1u << 8;

    /// <summary>MI_STORE_DWORD_IMM / MI_SEMAPHORE_WAIT "use global GTT" (bit 22): GpuSim has one space, accepted as is.</summary>
    public const uint UseGgtt = 1u << 22;

    /// <summary>
    /// MI_BATCH_BUFFER_START's predication enable (bit 15): the jump is ignored unless bit 0 of the engine's
    /// MI_PREDICATE_RESULT_1 is set (gen12 PRM, MI_BATCH_BUFFER_START "Predication Enable").
    /// </summary>
    public const uint BatchPredicate = 1u << 15;

    /// <summary>MI_LOAD_REGISTER_IMM / LRM / SRM "CS MMIO" (bit 19): the register offset is relative to the engine's mmio_base.</summary>
    public const uint CsMmio = 1u << 19;

    /// <summary>MI_LOAD_REGISTER_REG "source CS MMIO" (bit 18): the source register is relative to the engine's mmio_base.</summary>
    public const uint LrrSourceCsMmio = 1u << 18;

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

    /// <summary>
    /// MI_CONDITIONAL_BATCH_BUFFER_END: 3 dwords (header, data, address). The hardware meaning: execution continues
    /// while memory <paramref name="op"/> data holds; the batch ends when the comparison fails.
    /// </summary>
    public static uint[] ConditionalBatchBufferEnd(uint address, CompareOp op, uint data) =>
        [Header(MiOpcode.ConditionalBatchBufferEnd, ((uint)op << 12) | 1), data, address];

    /// <summary>MI_BATCH_BUFFER_START: 2 dwords (header, address).</summary>
    public static uint[] BatchBufferStart(uint address) => [Header(MiOpcode.BatchBufferStart), address];

    /// <summary>MI_STORE_DWORD_IMM, gen8+ form: 4 dwords (header, address low, address high, value).</summary>
    public static uint[] StoreDword64(ulong address, uint value) =>
        [Header(MiOpcode.StoreDwordImm, 2), (uint)address, (uint)(address >> 32), value];

    /// <summary>MI_SEMAPHORE_WAIT, gen8+ form: 4 dwords (header with the poll bit, data, address low, address high).</summary>
    public static uint[] SemaphoreWait64(ulong address, CompareOp op, uint data) =>
        [Header(MiOpcode.SemaphoreWait, SemaphorePoll | ((uint)op << 12) | 2), data, (uint)address, (uint)(address >> 32)];

    /// <summary>
    /// MI_CONDITIONAL_BATCH_BUFFER_END, gen8+ form: 4 dwords (header with the compare bit, data, address low, address
    /// high); continues while memory <paramref name="op"/> data holds, ends when it fails.
    /// </summary>
    public static uint[] ConditionalBatchBufferEnd64(ulong address, CompareOp op, uint data) =>
        [Header(MiOpcode.ConditionalBatchBufferEnd, DoCompare | ((uint)op << 12) | 2), data, (uint)address, (uint)(address >> 32)];

    /// <summary>MI_BATCH_BUFFER_START, gen8+ form: 3 dwords (header with bit 8, address low, address high).</summary>
    public static uint[] BatchBufferStart64(ulong address) =>
        [Header(MiOpcode.BatchBufferStart, AddressSpacePpgtt | 1), (uint)address, (uint)(address >> 32)];

    /// <summary>MI_BATCH_BUFFER_START, gen8+ form with predication: jumps only when MI_PREDICATE_RESULT_1 bit 0 is set.</summary>
    public static uint[] BatchBufferStart64Predicated(ulong address) =>
        [Header(MiOpcode.BatchBufferStart, BatchPredicate | 1), (uint)address, (uint)(address >> 32)];

    /// <summary>MI_LOAD_REGISTER_IMM: 1 + 2n dwords (header with length 2n-1, then register/value pairs).</summary>
    public static uint[] LoadRegisterImm(params (uint Register, uint Value)[] writes)
    {
        uint[] dwords = new uint[1 + (2 * writes.Length)];
        dwords[0] = Header(MiOpcode.LoadRegisterImm, (uint)((2 * writes.Length) - 1));
        for (int i = 0; i < writes.Length; i++)
        {
            dwords[1 + (2 * i)] = writes[i].Register;
            dwords[2 + (2 * i)] = writes[i].Value;
        }

        return dwords;
    }

    /// <summary>MI_LOAD_REGISTER_REG: 3 dwords (header, source register, destination register).</summary>
    public static uint[] LoadRegisterReg(uint source, uint destination) => [Header(MiOpcode.LoadRegisterReg, 1), source, destination];

    /// <summary>MI_LOAD_REGISTER_MEM, gen8+ form: 4 dwords (header, register, address low, address high).</summary>
    public static uint[] LoadRegisterMem64(uint register, ulong address) =>
        [Header(MiOpcode.LoadRegisterMem, 2), register, (uint)address, (uint)(address >> 32)];

    /// <summary>MI_STORE_REGISTER_MEM, gen8+ form: 4 dwords (header, register, address low, address high).</summary>
    public static uint[] StoreRegisterMem64(uint register, ulong address) =>
        [Header(MiOpcode.StoreRegisterMem, 2), register, (uint)address, (uint)(address >> 32)];

    /// <summary>MI_MATH: 1 + n dwords (header with length n-1, then n <see cref="Alu"/> instructions).</summary>
    public static uint[] Math(params uint[] alu) => [Header(MiOpcode.Math, (uint)(alu.Length - 1)), .. alu];

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

    /// <summary>The comparison that holds exactly when <paramref name="op"/> fails (op 0..5).</summary>
    public static CompareOp Negate(CompareOp op) => op switch
    {
        CompareOp.Greater => CompareOp.LessOrEqual,
        CompareOp.GreaterOrEqual => CompareOp.Less,
        CompareOp.Less => CompareOp.GreaterOrEqual,
        CompareOp.LessOrEqual => CompareOp.Greater,
        CompareOp.Equal => CompareOp.NotEqual,
        CompareOp.NotEqual => CompareOp.Equal,
        _ => op,
    };
}
