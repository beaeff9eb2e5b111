using Driver.Engines.Vulkan;

namespace Driver.Testing.Vulkan;

/// <summary>
/// A fact that runs only where Vulkan works: the constructor probes once per process (bounded, in-process, cached by
/// <see cref="VulkanProbe"/>) and sets <see cref="FactAttribute.Skip"/> with the reason when there is no loader or
/// no device (xunit 2 has no dynamic skip).
/// </summary>
public sealed class VulkanFactAttribute : FactAttribute
{
    /// <summary>Probes (cached) and skips with the probe's reason when Vulkan is unavailable.</summary>
    public VulkanFactAttribute()
    {
        VulkanProbeResult probe = VulkanProbe.Probe();
        if (!probe.Available)
        {
            Skip = $"Vulkan unavailable: {probe.Reason}";
        }
    }
}
