using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// A pool of one-store batches in a single object of one client: each submission gets its own 32-byte slot
/// (optionally WORK ns; STORE_DWORD_IMM address, value; BATCH_BUFFER_END), written once before its execbuf and never reused, so no engine
/// ever reads a batch that is being rewritten. Thread-safe.
/// </summary>
internal sealed class StoreBatches
{
    private const int BatchBytes = 32;
    private readonly GpuDevice _dev;
    private readonly int _client;
    private readonly int _capacity;
    private readonly BufferMapping _map;
    private int _next;

    /// <summary>Creates a pool for <paramref name="capacity"/> submissions by <paramref name="client"/>.</summary>
    public StoreBatches(GpuDevice dev, int client, int capacity = 256)
    {
        _dev = dev;
        _client = client;
        _capacity = capacity;
        Assert.Equal(0, dev.CreateBuffer(client, (long)capacity * BatchBytes, out int handle));
        Handle = handle;
        Assert.Equal(0, dev.Map(client, handle, out BufferMapping? map));
        _map = map!;
    }

    /// <summary>The batch object's handle.</summary>
    public int Handle { get; }

    /// <summary>
    /// Submits "store <paramref name="value"/> at <paramref name="address"/>" on <paramref name="engine"/>, after
    /// <paramref name="workNs"/> nanoseconds of simulated work when non-zero. Returns the execbuf's result (0 or a
    /// negative errno) and its out-fence.
    /// </summary>
    public int TrySubmit(int context, EngineId engine, uint address, uint value, out DmaFence? fence,
        IReadOnlyList<DmaFence>? inFences = null, uint workNs = 0)
    {
        int slot = Interlocked.Increment(ref _next) - 1;
        if (slot >= _capacity)
        {
            throw new InvalidOperationException($"store batch pool of {_capacity} exhausted");
        }

        long offset = (long)slot * BatchBytes;
        var builder = new BatchBuilder();
        if (workNs != 0)
        {
            builder.Work(workNs);
        }

        uint[] batch = builder.StoreDword(address, value).End().ToArray();
        // Through the mapping, not PWRITE: the pool's earlier slots may be executing or held on in-fences, and a
        // PWRITE waits for every GPU user of the object (i915_gem_object_prepare_write).
        Assert.Equal(0, _map.Write(offset, batch));
        return _dev.Execbuf(new ExecbufArgs
        {
            Client = _client,
            Context = context,
            Engine = (int)engine,
            BatchHandle = Handle,
            BatchOffset = offset,
            InFences = inFences ?? [],
        }, out fence);
    }

    /// <summary>Like <see cref="TrySubmit"/>, asserting the execbuf succeeded.</summary>
    public DmaFence Store(int context, EngineId engine, uint address, uint value, IReadOnlyList<DmaFence>? inFences = null)
    {
        Assert.Equal(0, TrySubmit(context, engine, address, value, out DmaFence? fence, inFences));
        return fence!;
    }
}
