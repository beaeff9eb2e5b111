namespace Driver.Engines.Vulkan;

/// <summary>How the Vulkan backend finished a request.</summary>
public enum VulkanRequestOutcome
{
    /// <summary>Ran to its end (or a conditional end / loop exit); status 1 unless it inherited an error.</summary>
    Completed,
    /// <summary>Missed its timeout or hit a spin cap: aborted, guilty, -EIO.</summary>
    Hang,
    /// <summary>Running when the device was lost: guilty, -EIO (innocent victims are replayed, not recorded here).</summary>
    DeviceLost,
    /// <summary>Batch not translatable: -EIO (would fault the command streamer) or -EINVAL (no translation).</summary>
    Rejected,
    /// <summary>Payload skipped (a pulse, a banned context, an inherited fatal error): breadcrumb and signal only.</summary>
    Skipped,
    /// <summary>Cancelled with -EIO: the engine is wedged (device dead) or being disposed.</summary>
    Cancelled,
    /// <summary>A Vulkan call failed for another reason (out of memory...): -EIO.</summary>
    Failed,
}
