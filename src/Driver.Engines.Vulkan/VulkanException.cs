using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>A Vulkan call failed: <see cref="Result"/> is the negative VkResult, <see cref="Operation"/> the call.</summary>
public class VulkanException : Exception
{
    /// <summary>Creates the error for <paramref name="result"/> returned by <paramref name="operation"/>.</summary>
    public VulkanException(Result result, string operation, string? detail = null)
        : base($"{operation} failed: {result}{(detail is null ? "" : $" ({detail})")}")
    {
        Result = result;
        Operation = operation;
    }

    /// <summary>The VkResult.</summary>
    public Result Result { get; }

    /// <summary>The Vulkan call (or step) that failed.</summary>
    public string Operation { get; }
}
