namespace Driver.Engines.Vulkan;

/// <summary>
/// Picks the physical device: an explicit index when given, otherwise the best kind available — a discrete GPU,
/// then integrated, virtual, CPU (lavapipe is type Cpu and must be accepted), other; first in enumeration order among
/// equals. Only devices with a compute queue qualify.
/// </summary>
public static class VulkanDeviceSelector
{
    /// <summary>Returns the chosen index, or throws <see cref="VulkanUnavailableException"/> explaining why none fits.</summary>
    public static int Select(IReadOnlyList<VulkanPhysicalDeviceInfo> devices, int? index)
    {
        if (devices.Count == 0)
        {
            throw new VulkanUnavailableException("no Vulkan physical device (install mesa-vulkan-drivers for lavapipe)");
        }

        if (index is { } i)
        {
            if (i < 0 || i >= devices.Count)
            {
                throw new VulkanUnavailableException($"--vk-device {i} is out of range: {devices.Count} device(s), indices 0..{devices.Count - 1}");
            }

            if (!devices[i].HasCompute)
            {
                throw new VulkanUnavailableException($"device {i} ({devices[i].Name}) has no compute queue");
            }

            return i;
        }
        VulkanPhysicalDeviceInfo? best = devices.Where(d => d.HasCompute).OrderBy(d => Rank(d.Type)).ThenBy(d => d.Index).FirstOrDefault();
        return best?.Index ?? throw new VulkanUnavailableException("no Vulkan device has a compute queue");
    }

    /// <summary>Preference of a device type (lower is better).</summary>
    public static int Rank(string type) => type switch
    {
        "DiscreteGpu" => 0,
        "IntegratedGpu" => 1,
        "VirtualGpu" => 2,
        "Cpu" => 3,
        _ => 4,
    };
}
