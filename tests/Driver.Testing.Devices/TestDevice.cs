using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;
using Driver.Uapi;

namespace Driver.Testing.Devices;

/// <summary>A <see cref="GpuDevice"/> (Fast configuration unless told otherwise) with one open client and helpers.</summary>
/// <remarks>
/// The Fast configuration resets a batch that does not take a raised heartbeat pulse within 10 ms. An engine thread
/// starved of CPU that long on a loaded machine is then "hung" although its batch is preemptible, so tests of
/// instruction semantics that keep a batch running pass <c>heartbeat: false</c>: hang recovery stays installed
/// (faults still reach the engine's error interrupt and reset it), only the heartbeat's pulses are off.
/// </remarks>
public sealed class TestDevice : IDisposable
{
    /// <summary>Opens the device and a client; <paramref name="heartbeat"/> false stops heartbeat pulses on every engine.</summary>
    public TestDevice(DeviceConfig? config = null, bool heartbeat = true)
    {
        Dev = new GpuDevice(config ?? DeviceConfig.Fast());
        if (!heartbeat)
        {
            foreach (EngineId id in EngineIds.All)
            {
                Dev.Heartbeat.SetInterval(id, TimeSpan.Zero);
            }
        }

        Assert.Equal(0, Dev.OpenClient(out int client));
        Client = client;
    }

    /// <summary>
    /// Fast() with a heartbeat that tolerates CPU starvation: pulses every 150 ms, preempt timeout 2 s, so only a
    /// batch that really refuses to yield is reset. For tests proving that preemptible work survives heartbeats.
    /// </summary>
    public static DeviceConfig StarvationTolerant()
    {
        var fast = DeviceConfig.Fast();
        return fast with
        {
            Reset = fast.Reset with { HeartbeatInterval = TimeSpan.FromMilliseconds(150), PreemptTimeout = TimeSpan.FromSeconds(2) },
        };
    }

    /// <summary>The device.</summary>
    public GpuDevice Dev { get; }

    /// <summary>The client id.</summary>
    public int Client { get; }

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
        Assert.True(fence.Wait(Poll.Bound), "a good batch did not complete");
        Assert.Equal(1, fence.Status);
        Assert.Equal(0x600du, target[1]);
    }

    /// <summary>Stops the device.</summary>
    public void Dispose() => Dev.Dispose();
}
