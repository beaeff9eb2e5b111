using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_exec_fence: execbuf out-fences around spinners and hangs. A busy spinner's fence is busy and signals OK once
/// ended; a hang's fence signals -EIO; a fence merged over every engine does the same; stores gated on a hanging
/// spinner's fence never run early; a long merged history of fences can gate new work.
/// </summary>
public sealed class GemExecFence : IIgtBinary
{
    private const int Hang = 1;
    private const int Wait = 4;

    /// <inheritdoc/>
    public string Name => "gem_exec_fence";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.SubtestWithDynamic("basic-busy", t => PerEngine(t, 0), IgtExpectations.None, "Basic check for explicit fence on each busy engine.");
        b.SubtestWithDynamic("basic-wait", t => PerEngine(t, Wait), IgtExpectations.None, "Basic check for explicit fence with additional wait time on each busy engine.");
        b.Subtest("basic-busy-all", t => TestFenceBusyAll(t, 0), IgtExpectations.None, "Basic check for composite fence on all busy engines.");
        b.SubtestWithDynamic("busy-hang", t => PerEngine(t, Hang), IgtExpectations.Hang, "Check for explicit fence on each busy engine with a pending gpu hang.");
        b.SubtestWithDynamic("wait-hang", t => PerEngine(t, Hang | Wait), IgtExpectations.Hang, "Check for explicit fence with additional wait time on each busy engine with a pending gpu hang.");
        b.Subtest("busy-hang-all", t => TestFenceBusyAll(t, Hang), IgtExpectations.Hang, "Check for composite fence on all busy engines with a pending gpu hang.");
        b.Subtest("wait-hang-all", t => TestFenceBusyAll(t, Hang | Wait), IgtExpectations.Hang, "Check for composite fence with additional wait on all busy engines and with a pending gpu hang.");
        b.SubtestWithDynamic("await-hang", t => PerEngineAwait(t, Hang), IgtExpectations.Hang, "Check for explicit fence with async wait on each engine with a pending gpu hang.");
        b.SubtestWithDynamic("basic-await", t => PerEngineAwait(t, 0), IgtExpectations.None, "Basic check for explicit fence with async wait on each engine.");
        b.Subtest("long-history", TestLongHistory, IgtExpectations.None, "Verifies accumulation of long history of fences.");
    }

    private static void PerEngine(IgtContext t, int flags)
    {
        foreach (EngineId e in EngineIds.All)
        {
            t.Dynamic(e.Name(), d => TestFenceBusy(d, e, flags));
        }
    }

    private static void PerEngineAwait(IgtContext t, int flags)
    {
        foreach (EngineId e in EngineIds.All)
        {
            t.Dynamic(e.Name(), d => TestFenceAwait(d, e, flags));
        }
    }

    /// <summary>test_fence_busy: the spinner's out-fence is busy, then signals OK once ended, or -EIO when it hangs.</summary>
    private static void TestFenceBusy(IgtContext t, EngineId e, int flags)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        IgtGem.Quiescent(t, dev);
        Spinner spin = IgtSpin.New(t, dev, fd, new SpinnerOptions { Engine = e, FenceOut = true, NoPreemption = (flags & Hang) != 0 });
        DmaFence fence = spin.OutFence!;
        t.Assert(IgtGem.Busy(t, dev, fd, spin.Handle));
        t.Assert(IgtSync.Busy(fence));
        TimeSpan timeout = IgtTime.Seconds(120);
        if ((flags & Hang) == 0)
        {
            spin.End();
            timeout = IgtTime.Limit(1);
        }
        if ((flags & Wait) != 0)
        {
            t.AssertEq(IgtSync.Wait(fence, timeout), 0);
        }
        else
        {
            var sw = Stopwatch.StartNew();
            while (IgtSync.Busy(fence))
            {
                t.Assert(sw.Elapsed < timeout);
                Thread.Yield();
            }
            t.Info($"Elapsed time ({(int)sw.Elapsed.TotalSeconds}s)");
        }
        t.Assert(!IgtGem.Busy(t, dev, fd, spin.Handle));
        t.AssertEq(IgtSync.Status(fence), (flags & Hang) != 0 ? -Errno.EIO : 1);
        spin.Dispose();
        IgtGem.Quiescent(t, dev);
    }

    /// <summary>
    /// test_fence_busy_all: one self-recursing batch (with an arbitration point unless it is to hang) on every engine,
    /// their fences merged; the merged fence is busy, then OK once the batch is ended, or -EIO after the hangs.
    /// </summary>
    private static void TestFenceBusyAll(IgtContext t, int flags)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        IgtGem.Quiescent(t, dev);
        int handle = IgtGem.Create(t, dev, fd);
        uint offset = IgtGem.Offset(t, dev, fd, handle);
        t.AssertEq(dev.Map(fd, handle, out BufferMapping? batch), 0);
        var b = new BatchBuilder();
        if ((flags & Hang) == 0)
        {
            b.ArbCheck();
        }

        b.Jump(offset);
        uint[] dwords = b.ToArray();
        for (int i = 0; i < dwords.Length; i++)
        {
            batch![i] = dwords[i];
        }

        DmaFence? all = null;
        foreach (EngineId e in EngineIds.All)
        {
            DmaFence fence = IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = (int)e, BatchHandle = handle });
            all = all is null ? fence : IgtSync.Merge(all, fence);
        }
        t.Assert(IgtGem.Busy(t, dev, fd, handle));
        t.Assert(IgtSync.Busy(all!));
        TimeSpan timeout = IgtTime.Seconds(120);
        if ((flags & Hang) == 0)
        {
            batch![0] = Mi.BatchBufferEnd;
            timeout = IgtTime.Limit(1);
        }
        if ((flags & Wait) != 0)
        {
            t.AssertEq(IgtSync.Wait(all!, timeout), 0);
        }
        else
        {
            var sw = Stopwatch.StartNew();
            while (IgtSync.Busy(all!))
            {
                t.Assert(sw.Elapsed < timeout);
                Thread.Yield();
            }
        }
        t.Assert(!IgtGem.Busy(t, dev, fd, handle));
        t.AssertEq(IgtSync.Status(all!), (flags & Hang) != 0 ? -Errno.EIO : 1);
        IgtGem.Close(t, dev, fd, handle);
        IgtGem.Quiescent(t, dev);
    }

    /// <summary>
    /// test_fence_await: a store on every engine gated on a spinner's out-fence. While the spinner runs none has
    /// landed; after it ends each store landed, and after a hang none did (the -EIO is inherited and the stores are
    /// skipped).
    /// </summary>
    private static void TestFenceAwait(IgtContext t, EngineId e, int flags)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int scratch = IgtGem.Create(t, dev, fd);
        uint scratchOffset = IgtGem.Offset(t, dev, fd, scratch);
        t.AssertEq(dev.Map(fd, scratch, out BufferMapping? map), 0);
        bool hang = (flags & Hang) != 0;
        Spinner spin = IgtSpin.New(t, dev, fd, new SpinnerOptions { Engine = e, FenceOut = true, NoPreemption = hang, InvalidCs = hang });
        int i = 0;
        var stores = new List<DmaFence>();
        foreach (EngineId e2 in EngineIds.All)
        {
            i++;
            stores.Add(IgtGem.StoreWord(t, dev, fd, 0, e2, spin.OutFence, scratch, scratchOffset, i, (uint)i));
        }
        IgtSpin.WaitStarted(t, spin);
        // Long, but not too long to anger preemption disable checks: 50 ms (scaled).
        Thread.Sleep(IgtTime.Ms(50));
        // Check for invalidly completing the task early.
        uint[] tmp = new uint[i + 1];
        for (int n = 0; n <= i; n++)
        {
            tmp[n] = map![n];
        }

        if (IgtSync.Busy(spin.OutFence!))
        {
            for (int n = 0; n <= i; n++)
            {
                t.AssertEqU32(tmp[n], 0);
            }
        }

        if (!hang)
        {
            t.Assert(IgtSync.Busy(spin.OutFence!));
            spin.End();
        }
        foreach (DmaFence s in stores)
        {
            t.AssertEq(IgtSync.Wait(s, IgtTime.Forever), 0);
        }

        t.Assert(!IgtSync.Busy(spin.OutFence!));
        if (!hang)
        {
            do
            {
                t.AssertEqU32(map![i], (uint)i);
            }
            while (i-- > 1);
        }
        else
        {
            foreach (DmaFence s in stores)
            {
                t.AssertEq(IgtSync.Status(s), -Errno.EIO);
            }

            for (int n = 0; n < tmp.Length; n++)
            {
                t.AssertEqU32(map![n], 0);
            }
        }
        spin.Dispose();
        IgtGem.Close(t, dev, fd, scratch);
    }

    /// <summary>
    /// test_long_history: while a cork holds them back (implicit synchronisation on the corked object), batches of
    /// many short-lived contexts on every engine pile up; their fences merge into one history, which then gates a
    /// ring's worth of batches on every engine. Everything completes once uncorked.
    /// </summary>
    private static void TestLongHistory(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        const long Size = 16 << 10;
        const int RingSize = 64;
        IgtGem.Quiescent(t, dev);
        int batch = IgtGem.BatchEnd(t, dev, fd, Size, Size - 4);
        DmaFence all = IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = 0, BatchHandle = batch });
        var cork = IgtCork.Plug(t, dev, fd);
        var sw = Stopwatch.StartNew();
        for (int loops = 0; loops < 64 && sw.Elapsed < IgtTime.Seconds(5); loops++)
        {
            int ctx = IgtGem.ContextCreate(t, dev, fd);
            foreach (EngineId e in EngineIds.All)
            {
                if (IgtGem.TryExecbuf(dev, new ExecbufArgs { Client = fd, Context = ctx, Engine = (int)e, BatchHandle = batch, Objects = [cork.Handle] }, out DmaFence? f) != 0)
                {
                    continue;
                }

                all = IgtSync.Merge(all, f!);
            }
            IgtGem.ContextDestroy(t, dev, fd, ctx);
        }
        t.Assert(IgtSync.Busy(all));
        cork.Unplug();
        t.Info($"History depth = {IgtSync.Count(all)}");
        for (int s = 0; s < RingSize; s++)
        {
            foreach (EngineId e in EngineIds.All)
            {
                IgtGem.TryExecbuf(dev, new ExecbufArgs { Client = fd, Engine = (int)e, BatchHandle = batch, InFences = [all] }, out _);
            }
        }

        IgtGem.Sync(t, dev, fd, batch);
        t.AssertEq(IgtSync.Status(all), 1);
        IgtGem.Close(t, dev, fd, batch);
        IgtGem.Close(t, dev, fd, cork.Handle);
    }
}
