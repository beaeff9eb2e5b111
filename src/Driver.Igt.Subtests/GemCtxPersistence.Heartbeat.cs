using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class GemCtxPersistence
{
    /// <summary>A context may outlive its file, except a non-persistent one: closing the file kills it.</summary>
    private static void TestNonpersistentFile(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        IgtGem.SetParam(t, dev, fd, 0, ContextParam.Persistence, 0);
        Spinner spin = IgtSpin.New(t, dev, fd, new SpinnerOptions { FenceOut = true });
        t.AssertEq(dev.CloseClient(fd), 0);
        t.AssertEq(WaitForStatus(spin.OutFence!, s_resetTimeout), -Errno.EIO);
    }

    /// <summary>
    /// test_noheartbeat_many: persistent contexts left running on an engine, then its heartbeat is switched off:
    /// nothing could stop them any more, so they are cancelled with -EIO.
    /// </summary>
    private static void TestNoheartbeatMany(IgtContext t, int count, bool noPreemption)
    {
        GpuDevice dev = t.Device;
        TimeSpan interval = dev.Config.Reset.HeartbeatInterval;
        int checkedEngines = 0;
        foreach (EngineId e in EngineIds.All)
        {
            if (dev.SetHeartbeatInterval(e, TimeSpan.Zero) != 0)
            {
                continue;
            }

            t.AssertEq(dev.SetHeartbeatInterval(e, IgtTime.Ms(500)), 0);
            var spins = new Spinner[count];
            for (int n = 0; n < count; n++)
            {
                int ctx = IgtGem.ContextCreate(t, dev, t.Fd);
                spins[n] = IgtSpin.New(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, FenceOut = true, NoPreemption = noPreemption });
                IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
            }
            IgtSpin.WaitStarted(t, spins[0]);
            t.Debug($"Testing {e.Name()}");
            t.AssertEq(dev.SetHeartbeatInterval(e, TimeSpan.Zero), 0);
            foreach (Spinner s in spins)
            {
                t.AssertEq(WaitForStatus(s.OutFence!, s_resetTimeout), -Errno.EIO);
            }

            foreach (Spinner s in spins)
            {
                s.Dispose();
            }

            t.AssertEq(dev.SetHeartbeatInterval(e, interval), 0);
            IgtGem.Quiescent(t, dev);
            checkedEngines++;
        }
        t.Require(checkedEngines > 0);
    }

    /// <summary>test_noheartbeat_close: a context closed while running on an engine without heartbeat is cleaned up.</summary>
    private static void TestNoheartbeatClose(IgtContext t, bool noPreemption)
    {
        GpuDevice dev = t.Device;
        TimeSpan interval = dev.Config.Reset.HeartbeatInterval;
        int checkedEngines = 0;
        foreach (EngineId e in EngineIds.All)
        {
            if (dev.SetHeartbeatInterval(e, TimeSpan.Zero) != 0)
            {
                continue;
            }

            int ctx = IgtGem.ContextCreate(t, dev, t.Fd);
            Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, FenceOut = true, NoPreemption = noPreemption });
            t.Debug($"Testing {e.Name()}");
            IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
            int err = WaitForStatus(spin.OutFence!, s_resetTimeout);
            dev.SetHeartbeatInterval(e, interval);
            spin.Dispose();
            t.AssertEq(err, -Errno.EIO);
            IgtGem.Quiescent(t, dev);
            checkedEngines++;
        }
        t.Require(checkedEngines > 0);
    }

    /// <summary>
    /// many_contexts: the same non-preemptible batch submitted from many non-persistent contexts closed at once;
    /// all of it is killed in time, and the file is not banned for it.
    /// </summary>
    private static void ManyContexts(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        Spinner spin = IgtSpin.New(t, dev, fd, new SpinnerOptions { NoPreemption = true });
        spin.End();
        IgtGem.Sync(t, dev, fd, spin.Handle);
        IgtSpin.Reset(t, dev, fd, spin);
        var timeout = TimeSpan.FromTicks(Math.Max(IgtTime.Limit(1).Ticks, 2 * dev.Config.Reset.PreemptTimeout.Ticks));
        var sw = Stopwatch.StartNew();
        int rounds = 0;
        while (sw.Elapsed < IgtTime.Seconds(2) && rounds++ < 16)
        {
            foreach (EngineId e in EngineIds.All)
            {
                int ctx = CreatePersistence(t, dev, fd, persist: false);
                t.AssertEq(IgtSpin.Resubmit(dev, fd, spin, ctx, e, out _), 0);
                IgtGem.ContextDestroy(t, dev, fd, ctx);
            }
        }
        t.AssertEq(IgtGem.Wait(dev, fd, spin.Handle, timeout), 0);
        // And check we can still submit to the default context -- no bans!
        IgtSpin.Reset(t, dev, fd, spin);
        t.AssertEq(IgtSpin.Resubmit(dev, fd, spin, 0, EngineId.Rcs0, out _), 0);
        spin.Dispose();
        IgtGem.Quiescent(t, dev);
    }
}
