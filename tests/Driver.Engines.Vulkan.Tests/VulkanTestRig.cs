using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Gt;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>
/// The backend driven without GpuDevice: a GT (memory, GGTT, status pages, submit path) whose engines are routed to
/// Vulkan engines on the shared device. Disposing checks the validation layer reported no new error.
/// </summary>
internal sealed class VulkanTestRig : IDisposable
{
    private readonly int _errorsBefore;

    public VulkanTestRig(VulkanDevice device, VulkanEngineOptions? options = null, params EngineId[] engines)
    {
        Device = device;
        _errorsBefore = device.Validation.Errors;
        Gt = new IntelGt(new GtConfig { MemoryBytes = 16L << 20, GgttBytes = 64L << 20 });
        Client = new Client(Gt.NextClientId(), "vk-test", privileged: false, Gt.StatusPages);
        foreach (EngineId id in engines.Length == 0 ? [EngineId.Rcs0] : engines)
        {
            var vk = new VulkanEngine(device, Gt.Ggtt, $"vk:{id.Name()}", options);
            Gt[id].UseBackend(vk);
            Engines[id] = vk;
        }
    }

    public IntelGt Gt { get; }
    public VulkanDevice Device { get; }
    public Client Client { get; }
    public Dictionary<EngineId, VulkanEngine> Engines { get; } = new();
    public VulkanEngine Rcs => Engines[EngineId.Rcs0];

    /// <summary>A bound 4 KiB object and its GGTT address.</summary>
    public (BufferObject Bo, uint Address) Object()
    {
        var bo = new BufferObject(Gt.Memory, DeviceMemory.PageSize, BoFlags.None);
        return (bo, Gt.Ggtt.Insert(bo).Offset);
    }

    /// <summary>Writes <paramref name="dwords"/> into a new bound object; returns its address.</summary>
    public uint Batch(params uint[] dwords)
    {
        (BufferObject? bo, uint addr) = Object();
        for (int i = 0; i < dwords.Length; i++)
        {
            bo.WriteDword(i * 4, dwords[i]);
        }

        return addr;
    }

    public Request Submit(uint batch, EngineId engine = EngineId.Rcs0, GpuContext? ctx = null, params DmaFence[] inFences) =>
        Gt.CreateAndSubmit(ctx ?? Client.DefaultContext, engine, batch, inFences: inFences.Length == 0 ? null : inFences);

    public uint Read(uint address) => Gt.Ggtt.TryRead(address, out uint v) ? v : throw new InvalidOperationException($"0x{address:x} unmapped");

    public void Write(uint address, uint value) => Assert.True(Gt.Ggtt.TryWrite(address, value));

    public void Dispose()
    {
        foreach (VulkanEngine e in Engines.Values)
        {
            e.Dispose();
        }

        Gt.Dispose();
        Assert.Equal(_errorsBefore, Device.Validation.Errors);
    }
}
