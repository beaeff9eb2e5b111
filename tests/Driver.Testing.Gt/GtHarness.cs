using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Engines.Isa;

namespace Driver.Testing.Gt;

/// <summary>
/// A bare <see cref="IntelGt"/>: engines with no hang recovery (no heartbeat, <c>ErrorInterrupt</c> null), so a
/// fault completes the request with -EIO and the engine carries on, and nothing resets a batch that never ends.
/// </summary>
public sealed class GtHarness : IDisposable
{
    /// <summary>
    /// Builds a small GT (submission protected by <paramref name="strategy"/>, engines with <paramref name="engine"/>'s
    /// options, the defaults when null) and a client.
    /// </summary>
    public GtHarness(WedgeStrategy strategy = WedgeStrategy.Epoch, EngineOptions? engine = null)
    {
        if (strategy == WedgeStrategy.StopMachine)
        {
            // Half of the 2018 splat (KnownSplats): expected in a process that may have run the other half.
            KnownSplats.StopMachine2018();
        }

        Gt = new IntelGt(new GtConfig { MemoryBytes = 32L << 20, GgttBytes = 64L << 20, WedgeStrategy = strategy, Engine = engine ?? new() });
        Client = new Client(Gt.NextClientId(), "harness", privileged: false, Gt.StatusPages);
    }

    /// <summary>The GT.</summary>
    public IntelGt Gt { get; }

    /// <summary>The client.</summary>
    public Client Client { get; }

    /// <summary>The client's default context.</summary>
    public GpuContext Context => Client.DefaultContext;

    /// <summary>Allocates and binds a buffer.</summary>
    public TestBuffer NewBuffer(long size = 4096, uint? fixedOffset = null)
    {
        var bo = new BufferObject(Gt.Memory, size, BoFlags.None);
        Gt.Ggtt.Insert(bo, fixedOffset);
        return new TestBuffer(0, bo);
    }

    /// <summary>Submits a written batch.</summary>
    public Request Submit(TestBuffer batch, EngineId engine = EngineId.Rcs0, GpuContext? context = null, IReadOnlyList<DmaFence>? inFences = null) =>
        Gt.CreateAndSubmit(context ?? Context, engine, batch.Address, RequestFlags.None, inFences);

    /// <summary>Writes <paramref name="builder"/> into a new batch buffer and submits it.</summary>
    public Request Submit(BatchBuilder builder, EngineId engine = EngineId.Rcs0, GpuContext? context = null, IReadOnlyList<DmaFence>? inFences = null)
    {
        TestBuffer batch = NewBuffer();
        batch.Write(builder);
        return Submit(batch, engine, context, inFences);
    }

    /// <summary>Stops the engines.</summary>
    public void Dispose() => Gt.Dispose();
}
