namespace Driver.Engines.Vulkan;

/// <summary>What a spin op does when a condition holds and when it reaches its cap.</summary>
internal enum SpinMode
{
    /// <summary>SEMAPHORE_WAIT: continue when the condition holds; reaching the cap is a hang.</summary>
    Semaphore,
    /// <summary>COND_BATCH_BUFFER_END: checked once; the batch ends when it holds, continues otherwise.</summary>
    ConditionalEnd,
    /// <summary>A backward jump (spin loop): the batch ends when an exit holds; reaching the cap is a hang.</summary>
    Loop,
}
