using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_ctx_persistence: what happens to work in flight when its context is closed. A persistent context's work
/// keeps running; a non-persistent one's is cancelled with -EIO within the reset timeout, by preemption or by a
/// reset when it will not yield; so is persistent work left on an engine whose heartbeat is switched off; and
/// killing many contexts never bans their file. The heartbeat and file subtests are in GemCtxPersistence.Heartbeat.cs.
/// </summary>
public sealed partial class GemCtxPersistence : IIgtBinary
{
    private const IgtExpectations Expect = IgtExpectations.Hang;

    /// <summary>
    /// RESET_TIMEOUT_MS (2 s) as a bound: how long cancelling a context's work may take. A bound on the driver's
    /// recovery, so kept as IGT has it (<see cref="IgtTime.Limit"/>): scaled, it left a loaded machine 500 ms to
    /// schedule the heartbeat, the engine, the reset worker and the reset one after the other.
    /// </summary>
    private static readonly TimeSpan s_resetTimeout = IgtTime.Limit(2);

    /// <summary>RESET_TIMEOUT_MS as a window: how long persistent work is watched to see that it keeps running (scaled).</summary>
    private static readonly TimeSpan s_persistWindow = IgtTime.Ms(2000);

    /// <inheritdoc/>
    public string Name => "gem_ctx_persistence";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("idempotent", Idempotent, IgtExpectations.None, "The persistence parameter reads back as set");
        foreach ((string? name, Action<IgtContext, EngineId>? test) in new (string, Action<IgtContext, EngineId>)[]
                 {
                     ("persistence", TestPersistence), ("cleanup", TestNonpersistentCleanup), ("queued", TestNonpersistentQueued),
                     ("mixed", TestNonpersistentMixed), ("hostile", TestNonpersistentHostile), ("hang", TestNonpersistentHang),
                 })
        {
            b.SubtestWithDynamic($"engines-{name}", t => { foreach (EngineId e in EngineIds.All) { t.Dynamic(e.Name(), d => test(d, e)); } }, Expect);
        }
        b.SubtestWithDynamic("saturated-hostile", t => { foreach (EngineId e in EngineIds.All) { t.Dynamic(e.Name(), d => TestSaturatedHostile(d, e)); } }, Expect,
            "A hostile non-persistent context is removed without harming work on the other engines");
        b.Subtest("file", TestNonpersistentFile, Expect, "A non-persistent context is killed with its file");
        b.Subtest("hostile", TestNohangcheckHostile, Expect, "Even with hangcheck disabled, a closed context's hog is terminated", NoHangcheck);
        b.Subtest("hang", TestNohangcheckHang, Expect, "Even with hangcheck disabled, a closed context's invalid batch is terminated", NoHangcheck);
        b.Subtest("heartbeat-stop", t => TestNoheartbeatMany(t, 1, noPreemption: false), Expect, "Persistent work is cancelled when the heartbeat stops");
        b.Subtest("heartbeat-hang", t => TestNoheartbeatMany(t, 1, noPreemption: true), Expect, "Persistent hogs are reset when the heartbeat stops");
        b.Subtest("heartbeat-many", t => TestNoheartbeatMany(t, 16, noPreemption: false), Expect, "Many persistent contexts are cleaned up when the heartbeat stops");
        b.Subtest("heartbeat-close", t => TestNoheartbeatClose(t, noPreemption: false), Expect, "Contexts closed on an engine without heartbeat are cleaned up");
        b.Subtest("heartbeat-hostile", t => TestNoheartbeatClose(t, noPreemption: true), Expect, "Hogs closed on an engine without heartbeat are reset");
        b.Subtest("many-contexts", ManyContexts, Expect, "Killing many contexts does not ban their file");
    }

    /// <summary>ctx_create_persistence.</summary>
    private static int CreatePersistence(IgtContext t, GpuDevice dev, int fd, bool persist)
    {
        int ctx = IgtGem.ContextCreate(t, dev, fd);
        IgtGem.SetParam(t, dev, fd, ctx, ContextParam.Persistence, persist ? 1 : 0);
        return ctx;
    }

    /// <summary>wait_for_status: the fence's status once it signals, or -ETIME.</summary>
    private static int WaitForStatus(DmaFence fence, TimeSpan timeout)
    {
        int err = IgtSync.Wait(fence, timeout);
        return err != 0 ? err : IgtSync.Status(fence);
    }

    private static void Idempotent(IgtContext t)
    {
        GpuDevice dev = t.Device;
        t.AssertEq(dev.GetContextParam(t.Fd, 0, ContextParam.Persistence, out long value), 0);
        long expected = value == 0 ? 1 : 0;
        foreach (int _ in new[] { 0, 1 })
        {
            IgtGem.SetParam(t, dev, t.Fd, 0, ContextParam.Persistence, expected);
            t.AssertEq(dev.GetContextParam(t.Fd, 0, ContextParam.Persistence, out value), 0);
            t.AssertEq(value, expected);
            expected = expected == 0 ? 1 : 0; // and restores
        }
    }

    // Unlike IGT, these wait for the spinner to run before closing its context: the simulator would otherwise
    // often skip the request when it reaches the engine, never exercising the preemption or reset that removes it.

    /// <summary>Contexts stay alive until their last request retires: no early termination.</summary>
    private static void TestPersistence(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int ctx = CreatePersistence(t, dev, t.Fd, persist: true);
        Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, FenceOut = true });
        IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, s_persistWindow), -Errno.ETIME);
        spin.End();
        t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, s_resetTimeout), 0);
        t.AssertEq(IgtSync.Status(spin.OutFence!), 1);
        spin.Dispose();
    }

    /// <summary>A non-persistent context is terminated upon closure: its in-flight request is cancelled.</summary>
    private static void TestNonpersistentCleanup(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int ctx = CreatePersistence(t, dev, t.Fd, persist: false);
        Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, FenceOut = true });
        IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, s_resetTimeout), 0);
        t.AssertEq(IgtSync.Status(spin.OutFence!), -Errno.EIO);
        spin.Dispose();
    }

    /// <summary>Not only the running batch is cancelled, but every batch queued on the context.</summary>
    private static void TestNonpersistentQueued(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int ctx = CreatePersistence(t, dev, t.Fd, persist: false);
        Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, FenceOut = true });
        DmaFence? last = null;
        // IGT fills the ring until execbuf would block; the simulator's queues do not fill, so a ring's worth.
        for (int i = 0; i < 64; i++)
        {
            t.AssertEq(IgtSpin.Resubmit(dev, t.Fd, spin, ctx, e, out DmaFence? fence), 0);
            last = fence;
        }
        IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        t.AssertEq(WaitForStatus(spin.OutFence!, s_resetTimeout), -Errno.EIO);
        t.AssertEq(WaitForStatus(last!, s_resetTimeout), -Errno.EIO);
        spin.Dispose();
    }

    /// <summary>Only the non-persistent contexts are killed; the persistent one closed between them keeps running.</summary>
    private static void TestNonpersistentMixed(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        var spins = new Spinner[3];
        for (int i = 0; i < spins.Length; i++)
        {
            int ctx = CreatePersistence(t, dev, t.Fd, persist: (i & 1) != 0);
            spins[i] = IgtSpin.New(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, FenceOut = true });
            IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        }
        // Outer pair of contexts were non-persistent and killed.
        t.AssertEq(WaitForStatus(spins[0].OutFence!, s_resetTimeout), -Errno.EIO);
        t.AssertEq(WaitForStatus(spins[2].OutFence!, s_resetTimeout), -Errno.EIO);
        // But the middle context is still running.
        t.AssertEq(IgtSync.Wait(spins[1].OutFence!, TimeSpan.Zero), -Errno.ETIME);
        foreach (Spinner s in spins)
        {
            s.Dispose();
        }
    }

    /// <summary>A non-persistent context that will not be preempted is reset on closure.</summary>
    private static void TestNonpersistentHostile(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int ctx = CreatePersistence(t, dev, t.Fd, persist: false);
        Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, NoPreemption = true });
        IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, s_resetTimeout), 0);
        spin.Dispose();
    }

    /// <summary>An invalid batch in a non-persistent context is caught.</summary>
    private static void TestNonpersistentHang(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int ctx = CreatePersistence(t, dev, t.Fd, persist: false);
        Spinner spin = IgtSpin.New(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, InvalidCs = true });
        IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, s_resetTimeout), 0);
        spin.Dispose();
    }
}
