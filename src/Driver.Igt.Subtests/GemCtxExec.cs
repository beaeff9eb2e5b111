using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_ctx_exec: contexts and hangs. With hangcheck off, closing a context forcibly cancels its hogs on every engine;
/// a non-recoverable context hit by a reset refuses further work; twenty hangs leave nothing pinned behind.
/// </summary>
public sealed class GemCtxExec : IIgtBinary
{
    private const IgtExpectations Expect = IgtExpectations.Hang;

    /// <inheritdoc/>
    public string Name => "gem_ctx_exec";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("basic-nohangcheck", NohangcheckHostile, Expect,
            "Verify that contexts are automatically shutdown on close, if hangchecking is disabled.", NoHangcheck);
        b.Subtest("basic-norecovery", Norecovery, Expect, "Check the status of context after a hang by setting and unsetting the RECOVERABLE.");
        b.Subtest("reset-pin-leak", ResetPinLeak, Expect,
            "Check if the kernel doesn't leak the vma pin_count for the last context on reset.", QuickHangcheck);
    }

    /// <summary>i915.enable_hangcheck=0: no heartbeat at all.</summary>
    private static DeviceConfig NoHangcheck()
    {
        DeviceConfig fast = IgtContext.DefaultConfig;
        return fast with { Reset = fast.Reset with { HeartbeatInterval = TimeSpan.Zero } };
    }

    /// <summary>A heartbeat four times faster than <see cref="DeviceConfig.Fast"/>, for twenty hangs in a row.</summary>
    private static DeviceConfig QuickHangcheck()
    {
        DeviceConfig fast = IgtContext.DefaultConfig;
        return fast with { Reset = fast.Reset with { HeartbeatInterval = TimeSpan.FromMilliseconds(10), PreemptTimeout = TimeSpan.FromMilliseconds(3) } };
    }

    /// <summary>
    /// nohangcheck_hostile: with hangcheck disabled, non-preemptible spinners fill every engine from one context;
    /// closing it cancels all of them within 1 s.
    /// </summary>
    private static void NohangcheckHostile(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        int ctx = IgtGem.ContextCreate(t, dev, fd);
        IgtGem.SetParam(t, dev, fd, ctx, ContextParam.Bannable, 0);
        DmaFence? fence = null;
        var spins = new List<Spinner>();
        foreach (EngineId e in EngineIds.All)
        {
            Spinner spin = IgtSpin.Sync(t, dev, fd, new SpinnerOptions { Context = ctx, Engine = e, NoPreemption = true, FenceOut = true });
            spins.Add(spin);
            DmaFence last = FillRing(t, dev, fd, spin, ctx, e);
            fence = fence is null ? last : IgtSync.Merge(fence, last);
        }
        IgtGem.ContextDestroy(t, dev, fd, ctx);
        int err = IgtSync.Wait(fence!, IgtTime.Limit(1)) == 0 ? 0 : -Errno.ETIME;
        IgtGem.Quiescent(t, dev);
        t.AssertF(err == 0, "Hostile unpreemptable context was not cancelled immediately upon closure");
        t.AssertEq(IgtSync.Status(fence!), -Errno.EIO);
        foreach (Spinner s in spins)
        {
            s.Dispose();
        }
    }

    /// <summary>fill_ring: resubmits the spinner until the ring would be full (a fixed depth here); the last fence.</summary>
    private static DmaFence FillRing(IgtContext t, GpuDevice dev, int fd, Spinner spin, int ctx, EngineId e)
    {
        DmaFence last = spin.OutFence!;
        for (int i = 0; i < 16; i++)
        {
            t.AssertEq(IgtSpin.Resubmit(dev, fd, spin, ctx, e, out DmaFence? f), 0);
            last = f!;
        }
        return last;
    }

    /// <summary>norecovery: after a forced reset, a recoverable context carries on; a non-recoverable one gets -EIO.</summary>
    private static void Norecovery(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        for (int pass = 1; pass >= 0; pass--)
        {
            int ctx = IgtGem.ContextCreate(t, dev, fd);
            int expect = pass == 0 ? -Errno.EIO : 0;
            IgtGem.SetParam(t, dev, fd, ctx, ContextParam.Recoverable, pass);
            t.AssertEq(dev.GetContextParam(fd, ctx, ContextParam.Recoverable, out long value), 0);
            t.AssertEq(value, pass);
            Spinner spin = IgtSpin.Sync(t, dev, fd, new SpinnerOptions { Context = ctx });
            dev.ForceReset();
            spin.End();
            t.AssertEq(IgtSpin.Resubmit(dev, fd, spin, ctx, EngineId.Rcs0, out _), expect);
            spin.Dispose();
            IgtGem.ContextDestroy(t, dev, fd, ctx);
        }
    }

    /// <summary>
    /// reset-pin-leak: twenty hangs, each with work from the default and another context submitted behind it; the
    /// GGTT ends with no more bindings than it had after the first round.
    /// </summary>
    private static void ResetPinLeak(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int batch = IgtGem.BatchEnd(t, dev, fd);
        int ctx = IgtGem.ContextCreate(t, dev, fd);
        int baseline = -1;
        for (int i = 0; i < 20; i++)
        {
            Spinner hang = IgtHang.Start(t, dev, fd, 0, EngineId.Rcs0);
            t.AssertEq(IgtGem.TryExecbuf(dev, new ExecbufArgs { Client = fd, Engine = 0, BatchHandle = batch }, out _), 0);
            t.AssertEq(IgtGem.TryExecbuf(dev, new ExecbufArgs { Client = fd, Context = ctx, Engine = 0, BatchHandle = batch }, out _), 0);
            IgtHang.Post(t, dev, fd, hang);
            IgtGem.Quiescent(t, dev);
            if (i == 0)
            {
                baseline = dev.Gt.Ggtt.NodeCount;
            }
        }
        t.AssertLte(dev.Gt.Ggtt.NodeCount, baseline);
        IgtGem.ContextDestroy(t, dev, fd, ctx);
    }
}
