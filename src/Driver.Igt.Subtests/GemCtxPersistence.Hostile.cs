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
    /// test_nohangcheck_hang: even with hangcheck disabled, a closed context's invalid batch (a spinner with an
    /// invalid instruction, IGT_SPIN_INVALID_CS) is terminated within the reset timeout. IGT restricts the loop to
    /// engines by their command parser; the simulated engines have none, so every engine runs the invalid batch
    /// (faulting, as on hardware without a parser). The batch must end with -EIO: a wait that returns because the
    /// batch ran to completion would not be a termination.
    /// </summary>
    private static void TestNohangcheckHang(IgtContext t)
    {
        GpuDevice dev = t.Device;
        foreach (EngineId e in EngineIds.All)
        {
            int ctx = IgtGem.ContextCreate(t, dev, t.Fd);
            Spinner spin = IgtSpin.New(t, dev, t.Fd, new SpinnerOptions { Context = ctx, Engine = e, InvalidCs = true });
            IgtGem.ContextDestroy(t, dev, t.Fd, ctx);
            t.AssertEq(IgtGem.Wait(dev, t.Fd, spin.Handle, s_resetTimeout), 0);
            t.AssertEq(spin.Fence.Status, -Errno.EIO);
            spin.Dispose();
        }
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
