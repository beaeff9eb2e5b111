namespace Driver.Sim.Vulkan;

/// <summary>One step of the Vulkan smoke test.</summary>
/// <param name="Name">Step name ("store-dword").</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Milliseconds">How long it took.</param>
/// <param name="Detail">What was checked, or why it failed.</param>
public sealed record VulkanSmokeStep(string Name, bool Passed, double Milliseconds, string Detail);
