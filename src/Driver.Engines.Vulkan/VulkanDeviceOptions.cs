namespace Driver.Engines.Vulkan;

/// <summary>How to open a <see cref="VulkanDevice"/>.</summary>
public sealed record VulkanDeviceOptions
{
    /// <summary>Physical device index to use; null picks the best (a discrete GPU first, any device with compute last).</summary>
    public int? DeviceIndex { get; init; }

    /// <summary>Enable VK_LAYER_KHRONOS_validation (and a debug messenger counting its reports) when it is installed.</summary>
    public bool EnableValidation { get; init; } = true;

    /// <summary>Application name reported to the driver.</summary>
    public string ApplicationName { get; init; } = "gpusim";
}
