namespace Driver.Engines.Vulkan;

/// <summary>No usable Vulkan here: the loader is missing, no device exists, or the requested one does not fit.</summary>
public sealed class VulkanUnavailableException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>Why Vulkan cannot be used (printed by the smoke command and the skipped tests).</summary>
    public string Reason => Message;
}
