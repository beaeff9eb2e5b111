namespace Driver.Sim.Vulkan;

/// <summary>Settings of a smoke run.</summary>
public sealed record VulkanSmokeOptions
{
    /// <summary>Physical device index (<c>--vk-device</c>); null picks the best.</summary>
    public int? DeviceIndex { get; init; }

    /// <summary>The Vulkan engines' hangcheck timeout; the forced-hang step waits this long for its hang.</summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Bound on every wait of a step.</summary>
    public TimeSpan StepBound { get; init; } = TimeSpan.FromSeconds(15);
}
