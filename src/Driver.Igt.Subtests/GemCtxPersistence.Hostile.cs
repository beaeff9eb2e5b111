using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class GemCtxPersistence
{
    /// <summary>i915.enable_hangcheck=0: no heartbeat at all.</summary>
    private static DeviceConfig NoHangcheck()
    {
        DeviceConfig fast = IgtContext.DefaultConfig;
        return fast with { Reset = fast.Reset with { HeartbeatInterval = TimeSpan.Zero } };
    }

    /// <summary>test_nohangcheck_hostile: even with hangcheck disabled, closing a context forcibly terminates its hog.</summary>
    private static void TestNohangcheckHostile(IgtContext t)
    {
        GpuDevice dev = t.Device;
        foreach (EngineId e in EngineIds.All)
        {
            int ctx = IgtGem.ContextCreate(t, dev, t.Fd);
            Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, NoPreemption = true });
            IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
            t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, IgtTime.Ms(10000)), 0);
            spin.Dispose();
        }
    }

    /// <summary>
    /// test_nohangcheck_hang: the invalid-batch variant only applies to engines with a command parser (which
    /// refuses the batch instead of faulting); the simulated engines have none, so it skips as IGT does there.
    /// </summary>
    private static void TestNohangcheckHang(IgtContext t)
    {
        int testableEngines = 0; // engines with a command parser
        t.Require(testableEngines > 0);
    }

    /// <summary>
    /// test_saturated_hostile: with preemptible work on every other engine, a hostile batch of a closed
    /// non-persistent context is removed by resetting only its engine: it gets -EIO within the reset timeout, and
    /// the others' work completes unharmed once ended.
    /// </summary>
    private static void TestSaturatedHostile(IgtContext t, EngineId target)
    {
        GpuDevice dev = t.Device;
        int baseCtx = IgtGem.ContextCreate(t, dev, t.Fd);
        DmaFence? fence = null;
        var others = new List<Spinner>();
        foreach (EngineId other in EngineIds.All)
        {
            if (other == target)
            {
                continue;
            }

            Spinner s = IgtSpin.New(t, dev, t.Fd, new SpinnerOptions { Context = baseCtx, Engine = other, FenceOut = true });
            others.Add(s);
            fence = fence is null ? s.OutFence! : IgtSync.Merge(fence, s.OutFence!);
        }
        t.Require(fence is not null);
        int ctx = CreatePersistence(t, dev, t.Fd, persist: false);
        Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = target, NoPreemption = true, FenceOut = true });
        IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
        // Hostile request requires a GPU reset to terminate.
        t.AssertEq(WaitForStatus(spin.OutFence!, s_resetTimeout), -Errno.EIO);
        // All other spinners should be left unharmed (gem_quiescent_gpu ends them first).
        foreach (Spinner s in others)
        {
            s.End();
        }

        IgtGem.Quiescent(t, dev);
        t.AssertEq(WaitForStatus(fence!, s_resetTimeout), 1);
        foreach (Spinner s in others)
        {
            s.Dispose();
        }

        spin.Dispose();
        IgtGem.ContextDestroy(t, dev, t.Fd, baseCtx);
    }
}
