namespace Driver.Engines.Vulkan.Tests;

/// <summary>The Vulkan tests share one device and run one at a time (the device is a CPU one here, on a small machine).</summary>
[CollectionDefinition(Name)]
public sealed class VulkanCollection : ICollectionFixture<VulkanDeviceFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "Vulkan";
}
