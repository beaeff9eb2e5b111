namespace Driver.Engines.Vulkan;

/// <summary>What enumeration tells about one physical device.</summary>
/// <param name="Index">Position in vkEnumeratePhysicalDevices order (what <c>--vk-device</c> selects).</param>
/// <param name="Name">Device name ("llvmpipe (LLVM 15.0.6, 256 bits)").</param>
/// <param name="Driver">Driver name and info from VkPhysicalDeviceDriverProperties ("llvmpipe, Mesa 22.3.6"), or the
/// raw driver version when the device does not report them.</param>
/// <param name="ApiVersion">Supported Vulkan version ("1.3.230").</param>
/// <param name="Type">Device type ("Cpu", "DiscreteGpu", ...).</param>
/// <param name="VendorId">PCI vendor id.</param>
/// <param name="DeviceId">PCI device id.</param>
/// <param name="HasCompute">Whether a queue family supports compute (required to be selected).</param>
public sealed record VulkanPhysicalDeviceInfo(
    int Index, string Name, string Driver, string ApiVersion, string Type, uint VendorId, uint DeviceId, bool HasCompute)
{
    /// <inheritdoc/>
    public override string ToString() => $"[{Index}] {Name} — driver {Driver}, Vulkan {ApiVersion}, type {Type}";
}
