using Driver.Engines.Isa;

namespace Driver.Engines.Vulkan;

/// <summary>A polled compare: mirror slot <paramref name="Slot"/> (GGTT <paramref name="Address"/>) <paramref name="Op"/> <paramref name="Data"/>.</summary>
internal readonly record struct VulkanCondition(int Slot, uint Address, CompareOp Op, uint Data, ConditionKind Kind);
