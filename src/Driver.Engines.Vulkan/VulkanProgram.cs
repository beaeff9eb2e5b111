namespace Driver.Engines.Vulkan;

/// <summary>
/// A batch translated for the Vulkan backend: the dispatches in order, the store and condition tables they index,
/// and the GGTT address each mirror slot stands for. Built by <see cref="BatchTranslator"/>; read-only afterwards.
/// </summary>
internal sealed class VulkanProgram
{
    private readonly Dictionary<uint, int> _slotOf = new();

    /// <summary>Dispatches, in program order.</summary>
    public List<VulkanOp> Ops { get; } = new();

    /// <summary>The store table.</summary>
    public List<VulkanStore> Stores { get; } = new();

    /// <summary>The condition table.</summary>
    public List<VulkanCondition> Conditions { get; } = new();

    /// <summary>GGTT address of each mirror slot.</summary>
    public List<uint> SlotAddresses { get; } = new();

    /// <summary>Instructions decoded.</summary>
    public int Instructions { get; set; }

    /// <summary>Whether the batch can run long (spins, work): the host then pumps memory both ways while it runs.</summary>
    public bool NeedsPump => Ops.Exists(o => o.Kind != VulkanOpKind.Store);

    /// <summary>The slot for <paramref name="address"/>, allocated on first use.</summary>
    public int SlotFor(uint address)
    {
        if (_slotOf.TryGetValue(address, out int slot))
        {
            return slot;
        }

        slot = SlotAddresses.Count;
        SlotAddresses.Add(address);
        _slotOf.Add(address, slot);
        return slot;
    }

    /// <summary>One line for logs: "3 stores, 1 spin(Loop) in 2 dispatches".</summary>
    public string Describe()
    {
        IEnumerable<string> parts = Ops.GroupBy(o => o.Kind == VulkanOpKind.Spin ? $"spin({o.Mode})" : o.Kind.ToString().ToLowerInvariant())
            .Select(g => $"{g.Count()} {g.Key}");
        return $"{Instructions} instructions → {Ops.Count} dispatches ({string.Join(", ", parts)}), {Stores.Count} stores, {SlotAddresses.Count} slots";
    }
}
