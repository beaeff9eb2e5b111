namespace Driver.Sim.Tests.Vulkan;

/// <summary>The tool's Vulkan tests (scenario, smoke) run one at a time: each opens the one (CPU) Vulkan device.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class VulkanCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "Vulkan";
}
