namespace Driver.Engines.Vulkan;

/// <summary>How fast a device runs the kernels, measured once per <see cref="VulkanDevice"/> by its first engine.</summary>
/// <param name="WorkUnitsPerMicrosecond">Busy-kernel units (eight multiply-adds) per microsecond.</param>
/// <param name="SpinPollsPerMicrosecond">Spin-kernel polls (one condition) per microsecond.</param>
internal sealed record KernelRates(double WorkUnitsPerMicrosecond, double SpinPollsPerMicrosecond);
