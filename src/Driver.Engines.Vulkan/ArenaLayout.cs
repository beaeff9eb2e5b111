namespace Driver.Engines.Vulkan;

/// <summary>
/// Word layout of an engine's arena, the single storage buffer every kernel reads and writes (see
/// Shaders/arena.glsl, which must agree: a test compares the two): a control block, the store table, the condition
/// table, then the mirror slots that stand in for the simulator's GPU memory while a batch runs.
/// </summary>
internal static class ArenaLayout
{
    /// <summary>Host writes 1 to stop every kernel at its next check.</summary>
    public const int CtlAbort = 0;
    /// <summary>Why the batch stopped early (<see cref="HaltEnded"/>...), 0 while running or when it ran to its end.</summary>
    public const int CtlHalt = 1;
    /// <summary>1 + index of the condition that ended the batch.</summary>
    public const int CtlExitCond = 2;
    /// <summary>Stores executed so far.</summary>
    public const int CtlStoresDone = 3;
    /// <summary>Iterations of the last spin.</summary>
    public const int CtlSpinIters = 4;
    /// <summary>Result of the busy kernel.</summary>
    public const int CtlWorkSink = 5;
    /// <summary>Kernels that ran to their end.</summary>
    public const int CtlDispatches = 6;
    /// <summary>Op to resume at after <see cref="HaltYield"/>.</summary>
    public const int CtlResume = 7;
    /// <summary>Units of the current work op done so far, across slices.</summary>
    public const int CtlWorkDone = 8;
    /// <summary>Size of the control block.</summary>
    public const int ControlWords = 16;

    /// <summary>A conditional end or a loop exit ended the batch (a normal completion).</summary>
    public const uint HaltEnded = 1;
    /// <summary>The host aborted the batch.</summary>
    public const uint HaltAborted = 2;
    /// <summary>A spin reached its iteration cap.</summary>
    public const uint HaltCapped = 3;

    /// <summary>A kernel used up its slice: the host submits the rest of the batch again from <see cref="CtlResume"/>.</summary>
    public const uint HaltYield = 4;

    /// <summary>
    /// Loop iterations one dispatch may run in all. llvmpipe silently ends an invocation's loops after 65535
    /// iterations (counted over every loop of the invocation); long dispatches are also what GPU watchdogs kill.
    /// Kernels therefore work in slices and yield.
    /// </summary>
    public const int LoopBudget = 50_000;

    /// <summary>Polls per spin dispatch over <paramref name="conditions"/> conditions (each poll runs the inner loop too).</summary>
    public static uint SpinSlice(int conditions) => (uint)Math.Max(1, LoopBudget / (conditions + 2));

    /// <summary>Units per work dispatch.</summary>
    public const uint WorkSlice = LoopBudget;

    /// <summary>Most stores one batch may hold.</summary>
    public const int MaxStores = 1024;
    /// <summary>Most conditions (semaphore waits, conditional ends, loop exits) one batch may hold.</summary>
    public const int MaxConditions = 256;
    /// <summary>Most distinct memory dwords one batch may touch.</summary>
    public const int MaxSlots = 2048;

    /// <summary>Word offset of the store table: pairs (slot, value).</summary>
    public const int StoreBase = ControlWords;
    /// <summary>Word offset of the condition table: triples (slot, op, data).</summary>
    public const int ConditionBase = StoreBase + 2 * MaxStores;
    /// <summary>Word offset of the mirror slots.</summary>
    public const int MemBase = ConditionBase + 3 * MaxConditions;
    /// <summary>Arena size in words.</summary>
    public const int Words = MemBase + MaxSlots;

    /// <summary>Push-constant block shared by the kernels: eight dwords.</summary>
    public const int PushConstantWords = 8;
}
