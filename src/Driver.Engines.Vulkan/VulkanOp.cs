namespace Driver.Engines.Vulkan;

/// <summary>One dispatch of a translated batch.</summary>
/// <param name="Kind">The kernel.</param>
/// <param name="First">First store or condition (table index).</param>
/// <param name="Count">Stores or conditions it covers.</param>
/// <param name="Mode">For spins: what a hit and the cap mean.</param>
/// <param name="Nanoseconds">For work: the requested duration.</param>
internal readonly record struct VulkanOp(VulkanOpKind Kind, int First, int Count, SpinMode Mode = SpinMode.Semaphore, uint Nanoseconds = 0);
