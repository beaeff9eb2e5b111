using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>Turns VkResults into exceptions. Positive codes (Timeout, NotReady, Incomplete) are not errors.</summary>
internal static class VkCheck
{
    /// <summary>Throws <see cref="VulkanDeviceLostException"/> or <see cref="VulkanException"/> for a negative result.</summary>
    public static void Ok(Result result, string operation)
    {
        if (result >= Result.Success)
        {
            return;
        }

        if (result == Result.ErrorDeviceLost)
        {
            throw new VulkanDeviceLostException(operation);
        }

        throw new VulkanException(result, operation);
    }
}
