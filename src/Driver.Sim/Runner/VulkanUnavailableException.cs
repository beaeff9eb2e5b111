namespace Driver.Sim.Runner;

/// <summary>A scenario puts an engine on Vulkan and no usable Vulkan device exists here (the run is skipped).</summary>
public sealed class VulkanUnavailableException(string reason) : Exception($"the scenario needs a Vulkan device: {reason}")
{
    /// <summary>Why no Vulkan device could be used.</summary>
    public string Reason { get; } = reason;
}
