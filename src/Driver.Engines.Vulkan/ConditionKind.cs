namespace Driver.Engines.Vulkan;

/// <summary>Where a polled condition comes from.</summary>
internal enum ConditionKind
{
    /// <summary>A SEMAPHORE_WAIT's compare.</summary>
    Semaphore,
    /// <summary>A COND_BATCH_BUFFER_END's compare (straight-line or inside a loop).</summary>
    ConditionalEnd,
    /// <summary>A loop's head dword changed (igt_spin_end writes BATCH_BUFFER_END there).</summary>
    LoopHead,
}
