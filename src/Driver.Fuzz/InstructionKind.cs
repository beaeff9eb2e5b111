namespace Driver.Fuzz;

/// <summary>What a fuzzed instruction is (docs/isa.md), valid or not.</summary>
public enum InstructionKind
{
    /// <summary>MI_NOOP.</summary>
    Noop,
    /// <summary>MI_ARB_CHECK.</summary>
    ArbCheck,
    /// <summary>MI_BATCH_BUFFER_END.</summary>
    End,
    /// <summary>MI_STORE_DWORD_IMM.</summary>
    Store,
    /// <summary>MI_SEMAPHORE_WAIT with any compare op (6 and 7 are invalid).</summary>
    SemaphoreWait,
    /// <summary>MI_CONDITIONAL_BATCH_BUFFER_END with any compare op.</summary>
    ConditionalEnd,
    /// <summary>MI_BATCH_BUFFER_START.</summary>
    Jump,
    /// <summary>GPUSIM_WORK.</summary>
    Work,
    /// <summary>One random dword.</summary>
    Raw,
    /// <summary>A valid opcode with a wrong (up to huge) length field or stray reserved bits.</summary>
    BadHeader,
}
