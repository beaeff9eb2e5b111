using Driver.Core.Contexts;
using Driver.Core.Memory;
using Driver.Engines.Gt;
using Driver.Engines.Isa;
using Driver.Uapi;

namespace Driver.Sim.Bench;

/// <summary>A device for benchmarks with a one-instruction (BATCH_BUFFER_END) batch bound in its GGTT.</summary>
internal sealed class BenchDevice : IDisposable
{
    private readonly Client _client;

    public BenchDevice(DeviceConfig config)
    {
        Device = new GpuDevice(config);
        var bo = new BufferObject(Gt.Memory, DeviceMemory.PageSize, BoFlags.None);
        Gt.Ggtt.Insert(bo);
        bo.WriteDword(0, Mi.BatchBufferEnd);
        NopBatch = bo.GgttOffset;
        _client = new Client(Gt.NextClientId(), "bench", privileged: true, Gt.StatusPages);
    }

    public GpuDevice Device { get; }

    public IntelGt Gt => Device.Gt;

    /// <summary>GGTT address of the nop batch.</summary>
    public uint NopBatch { get; }

    /// <summary>A fresh client (a DRM file of its own), privileged like the bench's own.</summary>
    public Client NewClient(string name) => new(Gt.NextClientId(), name, privileged: true, Gt.StatusPages);

    /// <summary>A fresh context (its own timelines).</summary>
    public GpuContext NewContext() => _client.CreateContext();

    /// <summary>A configuration without a heartbeat: benchmarks measure paths, not hang detection.</summary>
    public static DeviceConfig Quiet(GtConfig? gt = null) => new()
    {
        Gt = gt ?? new GtConfig(),
        Reset = new Reset.Recovery.ResetConfig { HeartbeatInterval = TimeSpan.Zero },
    };

    public void Dispose() => Device.Dispose();
}
