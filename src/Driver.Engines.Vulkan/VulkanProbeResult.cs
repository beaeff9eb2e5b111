namespace Driver.Engines.Vulkan;

/// <summary>Outcome of <see cref="VulkanProbe.Probe"/>.</summary>
/// <param name="Available">A loader and at least one device with a compute queue were found.</param>
/// <param name="Reason">Why Vulkan is unavailable, or a one-line summary of what was found.</param>
/// <param name="Devices">Every physical device enumerated (possibly empty).</param>
public sealed record VulkanProbeResult(bool Available, string Reason, IReadOnlyList<VulkanPhysicalDeviceInfo> Devices);
