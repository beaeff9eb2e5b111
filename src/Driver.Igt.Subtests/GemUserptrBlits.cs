using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Userptr;
using Driver.Engines.Isa;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_userptr_blits, the invalidation subtests: userptr objects backed by a simulated process address space
/// (<see cref="CpuMm"/>) whose CPU thread unmaps and migrates the range while the GPU uses it. <c>sync-unmap</c> is
/// IGT's name; <c>map-unmap-race</c>, <c>invalidate-busy</c> and <c>invalidate-busy-hang</c> are GpuSim's (issue 15),
/// no IGT subtest of those names exists.
/// </summary>
public sealed class GemUserptrBlits : IIgtBinary
{
    private const long Page = 4096;

    /// <summary>Rounds of the bounded race in map-unmap-race.</summary>
    private const int RaceRounds = 200;

    /// <inheritdoc/>
    public string Name => "gem_userptr_blits";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("sync-unmap", SyncUnmap, IgtExpectations.None,
            "Execbuf on userptr objects whose range was unmapped fails with -EFAULT.");
        b.Subtest("map-unmap-race", MapUnmapRace, IgtExpectations.None,
            "Invalidations racing the mapping build: the build retries (mmu_interval_read_retry), execbuf never uses stale pages.");
        b.Subtest("invalidate-busy", InvalidateBusy, IgtExpectations.None,
            "munmap of a range a batch uses waits for the batch.");
        b.Subtest("invalidate-busy-hang", InvalidateBusyHang, IgtExpectations.Hang,
            "munmap of a range a hung batch uses waits until the reset cancels the batch.");
    }

    /// <summary>
    /// test_unmap (sync): i915_gem_object_userptr_submit_init cannot pin an unmapped range, so execbuf is -EFAULT;
    /// the object itself stays valid and closes normally.
    /// </summary>
    private static void SyncUnmap(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var mm = new CpuMm();
        const int Objects = 4;
        long addr = mm.Mmap(Objects);
        int[] handles = new int[Objects];
        for (int i = 0; i < Objects; i++)
        {
            t.AssertEq(dev.Userptr(t.Fd, mm, addr + i * Page, Page, 0, out handles[i]), 0);
        }

        int batch = IgtGem.BatchEnd(t, dev, t.Fd);
        t.AssertEq(Exec(dev, t.Fd, batch, handles, out DmaFence? ok), 0);
        t.Assert(ok!.Wait(TimeSpan.FromSeconds(10)));
        mm.Munmap(addr, Objects * Page);
        t.AssertEq(Exec(dev, t.Fd, batch, handles, out _), -Errno.EFAULT);
        t.AssertEq(Exec(dev, t.Fd, batch, [handles[Objects - 1]], out _), -Errno.EFAULT);
        foreach (int h in handles)
        {
            IgtGem.Close(t, dev, t.Fd, h);
        }
    }

    /// <summary>
    /// First, deterministically: a migration forced between getting the pages and the check under the notifier lock
    /// makes the build start over once. Then, bounded: a CPU thread migrates the range over and over while batches
    /// store into it; execbuf answers 0 or -EAGAIN (retried, as drmIoctl does), and after each store the CPU reads
    /// the value back at its address — the GPU never wrote into pages the process had already left.
    /// </summary>
    private static void MapUnmapRace(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        t.AssertEq(dev.Userptr(t.Fd, mm, addr, Page, 0, out int handle), 0);
        uint gpu = IgtGem.Offset(t, dev, t.Fd, handle);
        UserptrObject u = dev.GetUserptr(t.Fd, handle)!;

        int hooked = 0;
        dev.UserptrAfterGetPages = _ =>
        {
            if (Interlocked.Increment(ref hooked) == 1)
            {
                var cpu = new Thread(() => mm.Migrate(addr, Page)) { Name = "cpu-mm migrate", IsBackground = true };
                cpu.Start();
                t.Assert(cpu.Join(TimeSpan.FromSeconds(10)));
            }
        };
        try
        {
            t.AssertEq(StoreRetrying(t, dev, handle, gpu, 0x1000), 0);
        }
        finally
        {
            dev.UserptrAfterGetPages = null;
        }

        t.AssertEq(u.Retries, 1);
        t.Assert(mm.TryRead(addr, out uint first) && first == 0x1000);

        using var stop = new CancellationTokenSource();
        var migrator = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                mm.Migrate(addr, Page);
            }
        })
        { Name = "cpu-mm migrate loop", IsBackground = true };
        migrator.Start();
        try
        {
            for (uint i = 1; i <= RaceRounds; i++)
            {
                t.AssertEq(StoreRetrying(t, dev, handle, gpu, 0x1000 + i), 0);
                t.Assert(mm.TryRead(addr, out uint v));
                t.AssertEqU32(v, 0x1000 + i);
            }
        }
        finally
        {
            stop.Cancel();
            t.Assert(migrator.Join(TimeSpan.FromSeconds(10)));
        }

        t.Info($"{u.Invalidations} invalidations, {u.Retries} build retries, {u.Builds} builds");
        IgtGem.Close(t, dev, t.Fd, handle);
    }

    /// <summary>i915_gem_userptr_invalidate waits for the batch reading the range before munmap goes on.</summary>
    private static void InvalidateBusy(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        t.AssertEq(dev.Userptr(t.Fd, mm, addr, Page, 0, out int handle), 0);
        UserptrObject u = dev.GetUserptr(t.Fd, handle)!;
        using Spinner spin = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Objects = [handle] });
        var cpu = new Thread(() => mm.Munmap(addr, Page)) { Name = "cpu-mm munmap", IsBackground = true };
        cpu.Start();
        WaitFor(t, () => u.Invalidations == 1, "the invalidate callback ran");
        t.Assert(cpu.IsAlive);
        t.Assert(!spin.Fence.IsSignaled);
        spin.End();
        t.Assert(cpu.Join(TimeSpan.FromSeconds(10)));
        t.Assert(spin.Fence.IsSignaled);
        t.Assert(!mm.IsMapped(addr, Page));
        t.AssertEq(u.InvalidateTimeouts, 0);
    }

    /// <summary>The wait on a hung batch ends with the reset that cancels it (-EIO), not with the wait's bound.</summary>
    private static void InvalidateBusyHang(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        t.AssertEq(dev.Userptr(t.Fd, mm, addr, Page, 0, out int handle), 0);
        UserptrObject u = dev.GetUserptr(t.Fd, handle)!;
        IgtGem.SetParam(t, dev, t.Fd, 0, ContextParam.Bannable, 0);
        using Spinner hang = IgtSpin.Sync(t, dev, t.Fd, new SpinnerOptions { Objects = [handle], NoPreemption = true });
        var cpu = new Thread(() => mm.Munmap(addr, Page)) { Name = "cpu-mm munmap", IsBackground = true };
        cpu.Start();
        t.Assert(cpu.Join(TimeSpan.FromSeconds(20)));
        t.Assert(hang.Fence.IsSignaled);
        t.AssertEq(hang.Fence.Error, -Errno.EIO);
        t.AssertEq(u.InvalidateTimeouts, 0);
        t.AssertEq(u.Invalidations, 1);
    }

    /// <summary>A store of <paramref name="value"/> at <paramref name="gpu"/>, resubmitted on -EAGAIN; waits for it.</summary>
    private static int StoreRetrying(IgtContext t, GpuDevice dev, int handle, uint gpu, uint value)
    {
        int batch = IgtGem.Create(t, dev, t.Fd);
        IgtGem.Write(t, dev, t.Fd, batch, 0, new BatchBuilder().StoreDword(gpu, value).End().ToArray());
        try
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int err = dev.Execbuf(new ExecbufArgs
                {
                    Client = t.Fd,
                    Engine = (int)EngineId.Rcs0,
                    BatchHandle = batch,
                    WriteObjects = [handle],
                }, out DmaFence? fence);
                if (err == -Errno.EAGAIN)
                {
                    continue;
                }

                if (err == 0)
                {
                    t.Assert(fence!.Wait(TimeSpan.FromSeconds(10)));
                    // The request ran. It may carry -EAGAIN, not fatal, inherited through implicit sync from an
                    // earlier attempt that failed its submit check (i915 propagates awaited fences' errors).
                    t.AssertF(fence.Error is 0 or -Errno.EAGAIN, $"store ended with {Errno.Name(fence.Error)}");
                }

                return err;
            }

            return -Errno.EAGAIN;
        }
        finally
        {
            IgtGem.Close(t, dev, t.Fd, batch);
        }
    }

    private static int Exec(GpuDevice dev, int fd, int batch, int[] objects, out DmaFence? fence) =>
        dev.Execbuf(new ExecbufArgs { Client = fd, Engine = (int)EngineId.Rcs0, BatchHandle = batch, Objects = objects }, out fence);

    private static void WaitFor(IgtContext t, Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            t.AssertF(sw.Elapsed < TimeSpan.FromSeconds(10), $"timed out waiting until {what}");
            Thread.Sleep(1);
        }
    }
}
