using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Reset.Events;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Wedging and unwedging (gem_eio) under both ways of making the submit_request swap safe: every fence completes with
/// -EIO, the uAPI refuses work while wedged, and a successful unwedge or full reset restores submission.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class WedgeTests
{
    /// <summary>gem_eio's in-flight limit: a spinner plus 63 batches per engine.</summary>
    private const int QueuedPerEngine = 63;

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void WedgeCancelsSpinnersAndEveryQueuedAndDependentBatch(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c, EngineIds.Count * QueuedPerEngine);
        Spinner[] spinners = EngineIds.All.Select(e => StartSpinner(dev, c, new SpinnerOptions { Engine = e })).ToArray();
        var fences = new List<(string What, DmaFence Fence)>();
        foreach (EngineId e in EngineIds.All)
        {
            for (int i = 0; i < QueuedPerEngine; i++)
            {
                int slot = (int)e * QueuedPerEngine + i;
                // A third await their own engine's spinner, a third another engine's spinner, a third are plain
                // queued behind it (and so behind the held ones on the same timeline).
                IReadOnlyList<DmaFence> inFences = (i % 3) switch
                {
                    0 => [spinners[(int)e].Fence],
                    1 => [spinners[((int)e + 1) % EngineIds.Count].Fence],
                    _ => [],
                };
                fences.Add(($"{e.Name()} batch {i}", stores.Store(ctx, e, target.Slot(slot), (uint)slot + 1, inFences)));
            }
        }

        dev.Wedge();

        Assert.True(dev.IsWedged);
        foreach (Spinner? s in spinners)
        {
            AssertStatus(-Errno.EIO, s.Fence, $"{s.Fence} spinner");
        }

        foreach ((string? what, DmaFence? f) in fences)
        {
            AssertStatus(-Errno.EIO, f, what);
        }

        for (int i = 0; i < EngineIds.Count * QueuedPerEngine; i++)
        {
            Assert.Equal(0u, target[i]);
        }

        Assert.Equal(1, dev.Reset.WedgeCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Wedged));
        foreach (Spinner? s in spinners)
        {
            s.Dispose();
        }
    }

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void WedgedDeviceRefusesWorkButStillCreatesBuffers(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var stores = new StoreBatches(dev, c);
        var target = new TargetBuffer(dev, c);

        dev.Wedge();
        dev.Wedge("again");

        Assert.True(dev.IsWedged);
        Assert.Equal(-Errno.EIO, stores.TrySubmit(0, EngineId.Rcs0, target.Slot(0), 1, out DmaFence? fence));
        Assert.Null(fence);
        Assert.Equal(-Errno.EIO, dev.CreateContext(c, out _));
        Assert.Equal(-Errno.EIO, dev.Throttle(c));
        Assert.Equal(-Errno.EIO, Spinner.Create(dev, c, new SpinnerOptions(), out Spinner? spin));
        Assert.Null(spin);
        Assert.Equal(0, dev.CreateBuffer(c, 8192, out int bo));
        uint[] contents = new uint[2048];
        Array.Fill(contents, 0xFFFFFFFFu);
        Assert.Equal(0, dev.Read(c, bo, 0, contents));
        Assert.All(contents, d => Assert.Equal(0u, d));
        Assert.Equal(1, dev.Reset.WedgeCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Wedged));
    }

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void RequestHeldOnAnExternalFenceStaysPendingThroughTheWedge(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        var external = new DmaFence();
        DmaFence held = stores.Store(ctx, EngineId.Bcs0, target.Slot(0), 0xE1, [external]);

        dev.Wedge();

        AssertStatus(-Errno.EIO, spin.Fence, "spinner");
        Assert.False(held.IsSignaled, "the held request completed before its external fence signalled");
        Assert.Equal(0, dev.Busy(c, stores.Handle, out bool busy));
        Assert.True(busy);
        Assert.True(external.Signal());
        AssertStatus(-Errno.EIO, held, "request released after the wedge");
        Assert.Equal(0u, target[0]);
    }

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void WaiterOnASpinnerIsWokenByAWedgeFromAnotherThread(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Vecs0 });
        int result = int.MinValue;
        var waiter = TestThread.Start("waiter", () => result = GpuDevice.WaitFence(spin.Fence, Bound.LongNs));
        // Let the waiter block first, so the wedge has a sleeper to wake.
        Poll.Until(() => spin.Fence.Waiters > 0, "the waiter to block on the spinner's fence");
        Assert.False(spin.Fence.IsSignaled);

        dev.Wedge();

        waiter.Join();
        Assert.Equal(0, result);
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
    }

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void UnwedgeRestoresDefaultSubmission(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        DmaFence queued = stores.Store(0, EngineId.Rcs0, target.Slot(0), 1);
        dev.Wedge();
        AssertStatus(-Errno.EIO, spin.Fence, "spinner");
        AssertStatus(-Errno.EIO, queued, "queued store");

        Assert.True(dev.Unwedge());

        Assert.False(dev.IsWedged);
        foreach (Engine engine in dev.Gt.Engines)
        {
            Assert.Same(engine.DefaultSubmitRequest, engine.SubmitRequest);
        }

        foreach (EngineId e in EngineIds.All)
        {
            AssertStatus(1, stores.Store(0, e, target.Slot(1 + (int)e), 0x100u + (uint)e), $"store on {e.Name()} after unwedge");
        }

        foreach (EngineId e in EngineIds.All)
        {
            Assert.Equal(0x100u + (uint)e, target[1 + (int)e]);
        }

        Assert.Equal(0u, target[0]);
        Assert.Equal(0, dev.CreateContext(c, out _));
        Assert.Equal(0, dev.Throttle(c));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Unwedged));
        Assert.Equal(1, dev.Reset.WedgeCount);

        dev.Wedge("second time");
        Assert.Equal(2, dev.Reset.WedgeCount);
        Assert.Equal(2, dev.Reset.Events.Count(GpuEventKind.Wedged));
        Assert.True(dev.Unwedge());
        Assert.Equal(2, dev.Reset.Events.Count(GpuEventKind.Unwedged));
        Assert.Equal(0, dev.Reset.ResetCount);
    }

    [Fact]
    public void WedgedOnInitCannotBeUnwedged()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var stores = new StoreBatches(dev, c);
        dev.Reset.SetWedgedOnInit("initialisation failed");

        Assert.False(dev.Unwedge());
        dev.ForceReset();

        Assert.True(dev.IsWedged);
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.WedgeCount);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.Unwedged));
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.FullReset));
        Assert.Equal(-Errno.EIO, stores.TrySubmit(0, EngineId.Rcs0, 0x1000, 1, out _));
    }

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void FullResetUnwedgesTheDevice(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Bcs0 });
        dev.Wedge();
        AssertStatus(-Errno.EIO, spin.Fence, "spinner");

        dev.ForceReset();

        Assert.False(dev.IsWedged);
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Unwedged));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.FullReset));
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        foreach (Engine engine in dev.Gt.Engines)
        {
            Assert.Same(engine.DefaultSubmitRequest, engine.SubmitRequest);
        }

        AssertStatus(1, stores.Store(0, EngineId.Bcs0, target.Slot(0), 0xF00D), "store after the reset");
        Assert.Equal(0xF00Du, target[0]);
    }

    [Fact]
    public void ARequestHeldOnAnInFenceWhenTheDeviceCloses_SignalsEioWhenReleased()
    {
        // intel_gt_driver_unregister → intel_gt_set_wedged_on_fini: whatever is in flight at unload is cancelled. A
        // request still held on an in-fence (a sw_sync point, a vgem fence) is released later; it must meet the nop
        // handler, not a stopped engine where it would never signal.
        AssertHeldRequestEndsWithEioAfterTheUnload(closeClient: false, persistent: true, "the request released after the device closed");
    }

    [Fact]
    public void ARequestOfAClosedClientHeldOnAnInFenceWhenTheDeviceCloses_SignalsEioWhenReleased()
    {
        // The same at unload (intel_gt_set_wedged_on_fini) for a request whose file is already closed: a persistent
        // context outlives its file (context_close leaves its requests to run), so what is in flight is not only what
        // the open files hold.
        AssertHeldRequestEndsWithEioAfterTheUnload(closeClient: true, persistent: true, "the request of a closed file released after the device closed");
    }

    [Fact]
    public void ARequestOfAKilledContextHeldOnAnInFenceWhenTheDeviceCloses_SignalsEioWhenReleased()
    {
        // A non-persistent context is killed at close (kill_context): its held request is skipped with -EIO once
        // released, but only by an engine still running. At unload it is in flight like any other
        // (intel_gt_set_wedged_on_fini), and must meet the nop handler.
        AssertHeldRequestEndsWithEioAfterTheUnload(closeClient: true, persistent: false, "the killed context's request released after the device closed");
    }

    [Fact]
    public void AnUnwedgeWaitsForARequestOfAClosedClientStillHeldOnAnInFence()
    {
        // __intel_gt_unset_wedged waits for the last request of every timeline on gt->timelines.active_list, closed
        // persistent contexts' included. Released while the device is still wedged, the held request meets the nop
        // handler (-EIO); had the unwedge not waited for it, it would reach the restored engine and run.
        var gate = new DmaFence();
        using var t = TestDevice.Fast(WedgeStrategy.Epoch);
        GpuDevice dev = t.Dev;
        (int c, DmaFence held) = SubmitHeldOnGate(dev, gate, persistent: true);
        Assert.Equal(0, dev.CloseClient(c));
        dev.Wedge();
        Assert.False(held.IsSignaled);

        bool usable = false;
        var unwedge = TestThread.Start("unwedge", () => usable = dev.Unwedge());
        // Either the unwedge sleeps on the held request, or it has ended without waiting for it.
        Poll.Until(() => held.Waiters > 0 || !unwedge.Thread.IsAlive, "the unwedge waits on the held request or ends");
        Assert.True(unwedge.Thread.IsAlive, "the unwedge did not wait for the closed client's pending request");

        Assert.True(gate.Signal());
        unwedge.Join();
        Assert.True(usable);
        AssertStatus(-Errno.EIO, held, "the closed client's request, released while wedged");
    }

    [Fact]
    public void AnUnwedgeDuringTheClientsClose_StillWaitsForItsRequestHeldOnAnInFence()
    {
        // The same rule while the file is being closed: the kernel's timelines stay on gt->timelines.active_list
        // whatever the file does, so there is no moment at which __intel_gt_unset_wedged does not see them. GpuSim
        // lists a timeline through its open client or, once closed, through the orphans: an unwedge between the
        // client leaving the open files and its contexts being listed must still find the held request.
        var gate = new DmaFence();
        using var t = TestDevice.Fast(WedgeStrategy.Epoch);
        GpuDevice dev = t.Dev;
        (int c, DmaFence held) = SubmitHeldOnGate(dev, gate, persistent: true);
        dev.Wedge();
        Assert.False(held.IsSignaled);

        bool usable = false;
        TestThread? unwedge = null;
        dev.CloseClientAfterRemove = _ =>
        {
            dev.CloseClientAfterRemove = null;
            unwedge = TestThread.Start("unwedge", () => usable = dev.Unwedge());
            Poll.Until(() => held.Waiters > 0 || !unwedge.Thread.IsAlive, "the unwedge waits on the held request or ends");
        };
        Assert.Equal(0, dev.CloseClient(c));
        Assert.True(unwedge!.Thread.IsAlive, "the unwedge during the client's close did not wait for its pending request");

        Assert.True(gate.Signal());
        unwedge.Join();
        Assert.True(usable);
        AssertStatus(-Errno.EIO, held, "the closing client's request, released while wedged");
    }

    /// <summary>
    /// Opens a client and submits a store on rcs0 held on <paramref name="gate"/>, from the default context or, when
    /// not <paramref name="persistent"/>, from a new non-persistent one (killed when its file closes).
    /// </summary>
    private static (int Client, DmaFence Held) SubmitHeldOnGate(GpuDevice dev, DmaFence gate, bool persistent)
    {
        int c = OpenClient(dev);
        int ctx = 0;
        if (!persistent)
        {
            ctx = CreateContext(dev, c);
            Assert.Equal(0, dev.SetContextParam(c, ctx, ContextParam.Persistence, 0));
        }

        var target = new TargetBuffer(dev, c);
        DmaFence held = new StoreBatches(dev, c).Store(ctx, EngineId.Rcs0, target.Slot(0), 0xF00D, [gate]);
        Assert.False(held.IsSignaled);
        return (c, held);
    }

    /// <summary>
    /// A request held on an in-fence when the device closes (its file closed first or not) ends with -EIO once the
    /// in-fence signals after the close.
    /// </summary>
    private static void AssertHeldRequestEndsWithEioAfterTheUnload(bool closeClient, bool persistent, string what)
    {
        var gate = new DmaFence();
        DmaFence held;
        using (var t = TestDevice.Fast(WedgeStrategy.Epoch))
        {
            (int c, held) = SubmitHeldOnGate(t.Dev, gate, persistent);
            if (closeClient)
            {
                Assert.Equal(0, t.Dev.CloseClient(c));
                Assert.False(held.IsSignaled);
            }
        }

        Assert.True(gate.Signal());
        AssertStatus(-Errno.EIO, held, what);
    }
}
