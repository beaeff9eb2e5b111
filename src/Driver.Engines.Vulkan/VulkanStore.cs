namespace Driver.Engines.Vulkan;

/// <summary>A STORE_DWORD_IMM: <paramref name="Value"/> into mirror slot <paramref name="Slot"/>, which stands for GGTT <paramref name="Address"/>.</summary>
internal readonly record struct VulkanStore(int Slot, uint Address, uint Value);
