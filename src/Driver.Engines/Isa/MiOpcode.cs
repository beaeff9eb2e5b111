namespace Driver.Engines.Isa;

/// <summary>
/// Instruction opcodes, bits 28:23 of the header dword (bits 31:29, the command client, are 0 for MI commands),
/// numbered as on Intel hardware where an instruction exists there; WORK is the simulator's own. The encoding is
/// documented in docs/isa.md.
/// </summary>
public static class MiOpcode
{
    /// <summary>MI_NOOP: does nothing (bits 22:0 ignored).</summary>
    public const uint Noop = 0x00;
    /// <summary>MI_ARB_CHECK: arbitration point: a pending preemption may run here.</summary>
    public const uint ArbCheck = 0x05;
    /// <summary>MI_BATCH_BUFFER_END: the batch is finished.</summary>
    public const uint BatchBufferEnd = 0x0A;
    /// <summary>MI_MATH: run ALU instructions over the engine's GPRs (see <see cref="Alu"/>).</summary>
    public const uint Math = 0x1A;
    /// <summary>MI_SEMAPHORE_WAIT: poll a dword until a comparison holds.</summary>
    public const uint SemaphoreWait = 0x1C;
    /// <summary>MI_STORE_DWORD_IMM: store an immediate dword to a GGTT address.</summary>
    public const uint StoreDwordImm = 0x20;
    /// <summary>MI_LOAD_REGISTER_IMM: write immediates to N registers.</summary>
    public const uint LoadRegisterImm = 0x22;
    /// <summary>MI_STORE_REGISTER_MEM: store a register to memory.</summary>
    public const uint StoreRegisterMem = 0x24;
    /// <summary>MI_LOAD_REGISTER_MEM: load a register from memory.</summary>
    public const uint LoadRegisterMem = 0x29;
    /// <summary>MI_LOAD_REGISTER_REG: copy one register to another.</summary>
    public const uint LoadRegisterReg = 0x2A;
    /// <summary>MI_BATCH_BUFFER_START: jump to a GGTT address (to itself: spin).</summary>
    public const uint BatchBufferStart = 0x31;
    /// <summary>MI_CONDITIONAL_BATCH_BUFFER_END: end the batch if a comparison on a dword holds.</summary>
    public const uint ConditionalBatchBufferEnd = 0x36;
    /// <summary>GPUSIM_WORK: busy the engine for N nanoseconds (simulated shader work).</summary>
    public const uint Work = 0x3E;
}
