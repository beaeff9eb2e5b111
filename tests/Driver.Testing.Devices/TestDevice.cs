using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Engines.Isa;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Testing.Gt;
using Driver.Uapi;
using Serilog;

namespace Driver.Testing.Devices;

/// <summary>
/// The one way to get a device for a test: a <see cref="GpuDevice"/> built by one of the factories below, a client
/// opened on first use of <see cref="Client"/>, and helpers to submit batches. Tests of a bare GT, with no uAPI and no
/// hang recovery, use <see cref="GtHarness"/> instead.
/// </summary>
/// <remarks>
/// <see cref="Fast"/> resets a batch that does not take a raised heartbeat pulse within 10 ms. An engine thread
/// starved of CPU that long on a loaded machine is then "hung" although its batch is preemptible, so tests of
/// instruction semantics that keep a batch running use <see cref="WithoutHeartbeat"/> (hang recovery stays installed:
/// faults still reach the engine's error interrupt and reset it, only the heartbeat's pulses are off), and tests that
/// need the pulses but must not see a reset use <see cref="StarvationTolerant"/>.
/// </remarks>
public sealed class TestDevice : IDisposable
{
    private readonly Lazy<int> _client;

    private TestDevice(DeviceConfig config, ILogger? log = null)
    {
        // A test using either stop-machine design or the amdgpu rule carries that known splat's expectation.
        config.ExpectKnownSplats();

        Dev = new GpuDevice(config, log);
        _client = new Lazy<int>(() => OpenClient());
    }

    /// <summary>
    /// <see cref="DeviceConfig.Fast"/> (40 ms heartbeat, 10 ms preempt timeout: hangs found in tens of milliseconds)
    /// with <paramref name="strategy"/>, its reset settings changed by <paramref name="reset"/> when given.
    /// </summary>
    public static TestDevice Fast(WedgeStrategy strategy = WedgeStrategy.Epoch, Func<ResetConfig, ResetConfig>? reset = null,
        ILogger? log = null)
    {
        var fast = DeviceConfig.Fast(strategy);
        return new TestDevice(reset is null ? fast : fast with { Reset = reset(fast.Reset) }, log);
    }

    /// <summary>
    /// <see cref="Fast"/> with heartbeat pulses and the preempt timeout off on every engine: a running batch is never
    /// reset for not yielding, neither to a pulse nor to another context's work waiting for its timeslice.
    /// </summary>
    public static TestDevice WithoutHeartbeat()
    {
        TestDevice t = Fast();
        foreach (EngineId id in EngineIds.All)
        {
            t.Dev.Heartbeat.SetInterval(id, TimeSpan.Zero);
        }

        t.Dev.Heartbeat.SetPreemptTimeout(TimeSpan.Zero);

        return t;
    }

    /// <summary>
    /// <see cref="Fast"/> with a heartbeat that tolerates CPU starvation: pulses every 150 ms, preempt timeout 2 s, so
    /// only a batch that really refuses to yield is reset. For tests proving that preemptible work survives heartbeats.
    /// </summary>
    public static TestDevice StarvationTolerant() =>
        Fast(reset: r => r with { HeartbeatInterval = TimeSpan.FromMilliseconds(150), PreemptTimeout = TimeSpan.FromSeconds(2) });

    /// <summary>
    /// <see cref="Fast"/> with GTT mmaps handled by <paramref name="policy"/> across resets, over
    /// <paramref name="fenceRegisters"/> fence registers.
    /// </summary>
    public static TestDevice Mmap(MmapResetPolicy policy, int fenceRegisters = 16, bool engineReset = true)
    {
        var fast = DeviceConfig.Fast();
        return new TestDevice(fast with
        {
            MmapResetPolicy = policy,
            FenceRegisters = fenceRegisters,
            Reset = fast.Reset with { EngineResetEnabled = engineReset },
        });
    }

    /// <summary>A device with exactly <paramref name="config"/>, for what the factories above do not cover.</summary>
    public static TestDevice With(DeviceConfig config, ILogger? log = null) => new(config, log);

    /// <summary>The device.</summary>
    public GpuDevice Dev { get; }

    /// <summary>A client, opened on first use.</summary>
    public int Client => _client.Value;

    /// <summary>Opens another client, asserting success.</summary>
    public int OpenClient(bool privileged = false)
    {
        Assert.Equal(0, Dev.OpenClient(out int client, privileged));
        return client;
    }

    /// <summary>The engine <paramref name="id"/>.</summary>
    public Engine Engine(EngineId id) => Dev.Gt[id];

    /// <summary>Creates and binds a buffer (at <paramref name="fixedOffset"/> when non-zero).</summary>
    public TestBuffer NewBuffer(long size = 4096, uint fixedOffset = 0)
    {
        Assert.Equal(0, Dev.CreateBuffer(Client, size, out int handle));
        Assert.Equal(0, Dev.Bind(Client, handle, out _, fixedOffset));
        Assert.Equal(0, Dev.Map(Client, handle, out BufferMapping? map));
        return new TestBuffer(handle, map!.Object);
    }

    /// <summary>Submits <paramref name="batch"/> (already written) and returns its out-fence.</summary>
    public DmaFence Submit(TestBuffer batch, EngineId engine = EngineId.Rcs0, int context = 0,
        IReadOnlyList<DmaFence>? inFences = null, params TestBuffer[] objects)
    {
        Assert.Equal(0, Execbuf(batch, engine, context, inFences, out DmaFence? fence, objects));
        return fence!;
    }

    /// <summary>Writes <paramref name="builder"/> into a new batch buffer and submits it.</summary>
    public DmaFence Submit(BatchBuilder builder, EngineId engine = EngineId.Rcs0, int context = 0, IReadOnlyList<DmaFence>? inFences = null)
    {
        TestBuffer batch = NewBuffer();
        batch.Write(builder);
        return Submit(batch, engine, context, inFences);
    }

    /// <summary>Execbuf of <paramref name="batch"/>; returns the ioctl's result.</summary>
    public int Execbuf(TestBuffer batch, EngineId engine, int context, IReadOnlyList<DmaFence>? inFences, out DmaFence? fence,
        params TestBuffer[] objects) =>
        Dev.Execbuf(new ExecbufArgs
        {
            Client = Client,
            Context = context,
            Engine = (int)engine,
            BatchHandle = batch.Handle,
            InFences = inFences ?? [],
            Objects = objects.Select(o => o.Handle).ToArray(),
        }, out fence);

    /// <summary>
    /// Proves the device still works: a batch storing a marker on <paramref name="engine"/> completes with status 1
    /// and its store lands.
    /// </summary>
    public void AssertWorks(EngineId engine = EngineId.Rcs0, int context = 0)
    {
        TestBuffer target = NewBuffer();
        DmaFence fence = Submit(new BatchBuilder().StoreDword(target.At(1), 0x600d).End(), engine, context);
        Assert.True(fence.Wait(Bound.Long), "a good batch did not complete");
        Assert.Equal(1, fence.Status);
        Assert.Equal(0x600du, target[1]);
    }

    /// <summary>Stops the device.</summary>
    public void Dispose() => Dev.Dispose();
}
