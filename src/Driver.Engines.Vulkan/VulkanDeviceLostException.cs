using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// VK_ERROR_DEVICE_LOST, from any call, as a typed error: the logical device is unusable and must be recreated.
/// Also raised when a batch did not stop within its grace period after an abort (the device is then treated as lost),
/// and by fault injection.
/// </summary>
public sealed class VulkanDeviceLostException : VulkanException
{
    /// <summary>Creates the error for <paramref name="operation"/>.</summary>
    public VulkanDeviceLostException(string operation, string? detail = null, bool injected = false)
        : base(Result.ErrorDeviceLost, operation, detail)
    {
        Injected = injected;
    }

    /// <summary>Whether the loss was injected (<see cref="VulkanFaultInjection"/>) rather than reported by the driver.</summary>
    public bool Injected { get; }

    /// <summary>
    /// Whether the thread that caught this was the first to see the loss (its request is then the guilty one); false
    /// when another engine had already marked the device lost (an innocent victim, replayed).
    /// </summary>
    internal bool Culprit { get; init; }
}
