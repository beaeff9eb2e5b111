using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// A batch that is running but not hung: it marks itself started, waits on a semaphore the test opens, then stores a
/// value. The semaphore poll is an arbitration point, so heartbeats never reset it; a full reset of another engine
/// makes it an innocent victim (-EAGAIN) that is replayed from its first instruction. Layout of its page:
/// <code>
/// 0x000 STORE_DWORD_IMM started, 1
/// 0x00C SEMAPHORE_WAIT  gate >= 1
/// 0x018 STORE_DWORD_IMM target, value
/// 0x024 BATCH_BUFFER_END
/// 0xF00 started dword, 0xF04 gate dword
/// </code>
/// </summary>
internal sealed class GatedStore
{
    private const int StartedOffset = 0xF00;
    private const int GateOffset = 0xF04;
    private readonly TargetBuffer _page;

    /// <summary>Builds and submits the batch on <paramref name="engine"/> for <paramref name="client"/>/<paramref name="context"/>.</summary>
    public GatedStore(GpuDevice dev, int client, int context, EngineId engine, uint target, uint value)
    {
        _page = new TargetBuffer(dev, client);
        uint[] batch = new BatchBuilder()
            .StoreDword(_page.Address + StartedOffset, 1)
            .SemaphoreWait(_page.Address + GateOffset, CompareOp.GreaterOrEqual, 1)
            .StoreDword(target, value)
            .End()
            .ToArray();
        Assert.Equal(0, dev.Write(client, _page.Handle, 0, batch));
        Assert.Equal(0, dev.Execbuf(new ExecbufArgs { Client = client, Context = context, Engine = (int)engine, BatchHandle = _page.Handle }, out DmaFence? fence));
        Fence = fence!;
    }

    /// <summary>The request's out-fence.</summary>
    public DmaFence Fence { get; }

    /// <summary>Whether the batch has run its first instruction since the last <see cref="ClearStarted"/>.</summary>
    public bool Started => _page[StartedOffset / 4] != 0;

    /// <summary>Clears the started mark, so a replay from the first instruction can be seen.</summary>
    public void ClearStarted() => _page[StartedOffset / 4] = 0;

    /// <summary>Opens the semaphore: the batch stores its value and ends.</summary>
    public void Open() => _page[GateOffset / 4] = 1;
}
