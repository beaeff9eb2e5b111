namespace Driver.Engines.Vulkan.Tests;

/// <summary>
/// One <see cref="VulkanDevice"/> for every Vulkan test (creating an instance with the validation layer and
/// compiling the kernels is the slow part), created on first use so that nothing touches Vulkan where the tests skip.
/// </summary>
public sealed class VulkanDeviceFixture : IDisposable
{
    private readonly Lazy<VulkanDevice> _device = new(() => VulkanDevice.Create(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared device.</summary>
    public VulkanDevice Device => _device.Value;

    /// <summary>Destroys the device if it was created.</summary>
    public void Dispose()
    {
        if (_device.IsValueCreated)
        {
            _device.Value.Dispose();
        }
    }
}
