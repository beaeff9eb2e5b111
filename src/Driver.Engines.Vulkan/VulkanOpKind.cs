namespace Driver.Engines.Vulkan;

/// <summary>The kernel a translated op dispatches.</summary>
internal enum VulkanOpKind
{
    /// <summary>A run of STORE_DWORD_IMMs (store kernel).</summary>
    Store,
    /// <summary>A semaphore wait, conditional end or loop (spin kernel).</summary>
    Spin,
    /// <summary>WORK(ns) (busy kernel).</summary>
    Work,
}
