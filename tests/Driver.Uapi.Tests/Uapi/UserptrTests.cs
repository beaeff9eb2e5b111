using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Ggtt;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Resv;
using Driver.Core.Userptr;
using Driver.Engines.Isa;
using Driver.Reset.Mmap;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>
/// GEM_USERPTR with an mmu interval notifier (i915_gem_userptr.c): the object's pages are the process's pages; the
/// mapping build follows mmu_interval_read_begin → get pages → notifier lock → mmu_interval_read_retry; the
/// invalidate callback sets the sequence under the notifier lock and waits for the GPU work on the object.
/// </summary>
public class UserptrTests
{
    private const long Page = 4096;

    /// <summary>A batch's store into a userptr object lands in the process's own page: the CPU reads it there.</summary>
    [Fact]
    public void GpuStore_IsSeenByTheCpuInItsOwnPage()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.True(mm.TryWrite(addr + 4, 0xC0FFEE));
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));
        Assert.Equal(0, t.Dev.Bind(t.Client, handle, out uint gpu));

        DmaFence f = Exec(t, new BatchBuilder().StoreDword(gpu, 0x1234).End(), written: [handle]);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.True(mm.TryRead(addr, out uint v));
        Assert.Equal(0x1234u, v);
        // And the object's pages are the CPU's (one set of pages): its data is there. Looked at directly, as PREAD of
        // a userptr object is -EINVAL (PreadAndPwrite_OfAUserptrObject_AreEinval).
        Assert.Equal(0, t.Dev.LookupObject(t.Client, handle, out BufferObject? bo));
        Assert.Equal(0xC0FFEEu, bo!.ReadDword(4));
    }

    /// <summary>
    /// i915_gem_userptr_pread / i915_gem_userptr_pwrite (the object's ops, which i915_gem_pread_ioctl and
    /// i915_gem_pwrite_ioctl call after the range check and before any wait): "no longer allowed", -EINVAL. The
    /// in-process door answers as the ioctl does (I915Driver.GemReadWrite); nothing is read or written.
    /// </summary>
    [Fact]
    public void PreadAndPwrite_OfAUserptrObject_AreEinval()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.True(mm.TryWrite(addr, 0x1111));
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));

        uint[] d = [0xdead];
        Assert.Equal(-Errno.EINVAL, t.Dev.Read(t.Client, handle, 0, d));
        Assert.Equal(0xdeadu, d[0]);
        Assert.Equal(-Errno.EINVAL, t.Dev.Write(t.Client, handle, 0, [0x2222u]));
        Assert.True(mm.TryRead(addr, out uint v));
        Assert.Equal(0x1111u, v);
        // The kernel's order: nothing to copy is 0, then the lookup, then the range, then the object's op.
        Assert.Equal(0, t.Dev.Read(t.Client, handle, 0, Span<uint>.Empty));
        Assert.Equal(0, t.Dev.Write(t.Client, handle, 0, ReadOnlySpan<uint>.Empty));
        Assert.Equal(-Errno.ENOENT, t.Dev.Read(t.Client, handle + 100, 0, d));
        Assert.Equal(-Errno.EINVAL, t.Dev.Read(t.Client, handle, Page, d));
    }

    /// <summary>
    /// mmu_interval_read_retry: an invalidation (a migration by the CPU mm's thread) between getting the pages and
    /// the check under the notifier lock makes the build start over; the second build gets the migrated pages, so
    /// the GPU's store is seen by the CPU at the address it now maps.
    /// </summary>
    [Fact]
    public void InvalidationDuringTheBuild_TheBuildRetries()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(2);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, 2 * Page, 0, out int handle));
        Assert.Equal(0, t.Dev.Bind(t.Client, handle, out uint gpu));
        UserptrObject u = t.Dev.GetUserptr(t.Client, handle)!;
        int hooked = 0;
        t.Dev.UserptrAfterGetPages = _ =>
        {
            if (Interlocked.Increment(ref hooked) == 1)
            {
                // From another thread, as the CPU mm's own thread would: the build holds no lock here.
                var th = TestThread.Start("cpu-mm migrate", () => mm.Migrate(addr, 2 * Page));
                th.Join(Bound.Long);
            }
        };

        DmaFence f = Exec(t, new BatchBuilder().StoreDword(gpu + (uint)Page, 0x5151).End(), written: [handle]);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(2, hooked);
        Assert.Equal(1, u.Retries);
        Assert.Equal(1, u.Builds);
        Assert.Equal(1, u.Invalidations);
        Assert.True(mm.TryRead(addr + Page, out uint v));
        Assert.Equal(0x5151u, v);
    }

    /// <summary>
    /// The other side of the barrier: an invalidation after the build but before execbuf's check under the notifier
    /// lock (eb_move_to_gpu → i915_gem_object_userptr_submit_done) fails the execbuf with -EAGAIN; its request, in
    /// the reservation already, carries -EAGAIN, and the invalidation waits for it.
    /// </summary>
    [Fact]
    public void InvalidationBeforeTheSubmitCheck_ExecbufIsEagain_AndTheInvalidationWaitsForItsRequest()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));
        Assert.Equal(0, t.Dev.Bind(t.Client, handle, out uint gpu));
        UserptrObject u = t.Dev.GetUserptr(t.Client, handle)!;
        TestThread? migrate = null;
        DmaFence? rq = null;
        t.Dev.UserptrBeforeSubmitDone = obj =>
        {
            t.Dev.UserptrBeforeSubmitDone = null;
            // The request is in the reservation and held by its gate until the check.
            rq = Assert.Single(obj.Object.Resv.GetFences(DmaResvUsage.Bookkeep));
            Assert.False(rq.IsSignaled);
            migrate = TestThread.Start("cpu-mm migrate", () => mm.Migrate(addr, Page));
            // The callback has set the sequence (and now waits for the request, which cannot run before the check).
            Poll.Until(() => obj.Invalidations == 1, "the invalidate callback ran", () => $"{obj.Invalidations}", Bound.Long);
            Assert.True(migrate.Thread.IsAlive);
        };

        int err = ExecRaw(t, new BatchBuilder().StoreDword(gpu, 7).End(), written: [handle], out DmaFence? failed);
        Assert.Equal(-Errno.EAGAIN, err);
        // Submitted all the same: the caller gets the request, for signal_fence_array and the ring's bookkeeping.
        Assert.Same(rq, failed);
        migrate!.Join(Bound.Long);
        Assert.True(rq!.IsSignaled);
        Assert.Equal(-Errno.EAGAIN, rq.Error);
        Assert.Equal(0, u.InvalidateTimeouts);

        // drmIoctl retries on EAGAIN: the next execbuf builds the migrated pages and succeeds.
        Assert.Equal(0, ExecRaw(t, new BatchBuilder().StoreDword(gpu, 8).End(), written: [handle], out DmaFence? again));
        Assert.True(again!.Wait(Bound.Long));
        Assert.True(mm.TryRead(addr, out uint v));
        Assert.Equal(8u, v);
    }

    /// <summary>
    /// i915_gem_userptr_invalidate waits (dma_resv_wait_timeout) for the GPU work on the object: munmap from the CPU
    /// mm's thread does not return while a batch reading the range runs, and returns once it ends.
    /// </summary>
    [Fact]
    public void InvalidationWhileABatchUsesTheRange_WaitsForIt()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));
        UserptrObject u = t.Dev.GetUserptr(t.Client, handle)!;
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Objects = [handle] });
        Assert.True(spin.WaitStarted(Bound.Long));

        var munmap = TestThread.Start("cpu-mm munmap", () => mm.Munmap(addr, Page));
        Poll.Until(() => u.Invalidations == 1, "the invalidate callback ran", () => $"{u.Invalidations}", Bound.Long);
        Assert.True(munmap.Thread.IsAlive);
        Assert.True(mm.IsMapped(addr, Page)); // the pages change only after the callbacks
        spin.End();
        munmap.Join(Bound.Long);
        Assert.True(spin.Fence.IsSignaled);
        Assert.False(mm.IsMapped(addr, Page));
        Assert.Equal(0, u.InvalidateTimeouts);
    }

    /// <summary>
    /// The same wait on a hang: the heartbeat finds the non-preemptible spinner, the engine reset cancels it (-EIO),
    /// its fence signals and the invalidation's wait ends — well before the wait's own bound.
    /// </summary>
    [Fact]
    public void InvalidationWaitingOnAHang_EndsWithTheReset()
    {
        using var t = TestDevice.Fast();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));
        UserptrObject u = t.Dev.GetUserptr(t.Client, handle)!;
        using var hang = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Objects = [handle], NoPreemption = true });
        Assert.True(hang.WaitStarted(Bound.Long));

        var munmap = TestThread.Start("cpu-mm munmap", () => mm.Munmap(addr, Page));
        munmap.Join(Bound.Long);
        Assert.True(hang.Fence.IsSignaled);
        Assert.Equal(-Errno.EIO, hang.Fence.Error);
        Assert.True(t.Dev.Reset.EngineResetCount(EngineClass.Render) + t.Dev.Reset.ResetCount >= 1);
        Assert.Equal(1, u.Invalidations);
        Assert.Equal(0, u.InvalidateTimeouts);
    }

    /// <summary>i915_gem_object_userptr_submit_init: pin_user_pages_fast fails on an unmapped range, execbuf is -EFAULT.</summary>
    [Fact]
    public void ExecbufAfterMunmap_IsEfault()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));
        Assert.Equal(0, t.Dev.Bind(t.Client, handle, out uint gpu));
        Assert.True(Exec(t, new BatchBuilder().StoreDword(gpu, 1).End(), written: [handle]).Wait(Bound.Long));
        mm.Munmap(addr, Page);
        Assert.Equal(-Errno.EFAULT, ExecRaw(t, new BatchBuilder().StoreDword(gpu, 2).End(), written: [handle], out DmaFence? f));
        Assert.Null(f);
        // A userptr object created on an unmapped range without PROBE fails the same way at its first use.
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int late));
        Assert.Equal(-Errno.EFAULT, ExecRaw(t, new BatchBuilder().End(), written: [late], out _));
        Assert.Equal(0, t.Dev.CloseBuffer(t.Client, handle));
        Assert.Equal(0, t.Dev.CloseBuffer(t.Client, late));
    }

    /// <summary>
    /// __assign_mmap_offset: i915_gem_object_never_mmap (userptr's I915_GEM_OBJECT_NO_MMAP) makes a GTT mmap of a
    /// userptr object -ENODEV. Allowed, the mapping would write through the aperture into the pages the object was
    /// last built with, which a migration of the process's range leaves behind: the process never sees those writes.
    /// </summary>
    [Fact]
    public void GttMmapOfAUserptrObject_IsEnodev()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, Page, 0, out int handle));
        Assert.Equal(-Errno.ENODEV, t.Dev.MapGtt(t.Client, handle, TilingMode.None, 0, out GttMapping? map));
        Assert.Null(map);
        Assert.Equal(-Errno.ENODEV, t.Dev.MapGtt(t.Client, handle, TilingMode.X, 512, out _));
        // The object itself stays usable.
        Assert.Equal(0, t.Dev.Bind(t.Client, handle, out uint gpu));
        Assert.True(Exec(t, new BatchBuilder().StoreDword(gpu, 0x600d).End(), written: [handle]).Wait(Bound.Long));
        Assert.True(mm.TryRead(addr, out uint v));
        Assert.Equal(0x600du, v);
    }

    /// <summary>i915_gem_userptr_ioctl's argument checks, in its order.</summary>
    [Fact]
    public void UserptrIoctl_ChecksItsArguments()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        GpuDevice d = t.Dev;
        Assert.Equal(-Errno.EINVAL, d.Userptr(t.Client, mm, addr, Page, 0x4, out _));
        Assert.Equal(-Errno.EINVAL, d.Userptr(t.Client, mm, addr, 0, 0, out _));
        Assert.Equal(-Errno.EINVAL, d.Userptr(t.Client, mm, addr + 4, Page, 0, out _));
        Assert.Equal(-Errno.EINVAL, d.Userptr(t.Client, mm, addr, Page + 4, 0, out _));
        Assert.Equal(-Errno.EFAULT, d.Userptr(t.Client, null, addr, Page, 0, out _));
        Assert.Equal(-Errno.ENODEV, d.Userptr(t.Client, mm, addr, Page, GpuDevice.UserptrUnsynchronized, out _));
        Assert.Equal(-Errno.ENODEV, d.Userptr(t.Client, mm, addr, Page, GpuDevice.UserptrReadOnly, out _));
        Assert.Equal(-Errno.EFAULT, d.Userptr(t.Client, mm, addr + Page, Page, GpuDevice.UserptrProbe, out _));
        Assert.Equal(-Errno.ENOENT, d.Userptr(9999, mm, addr, Page, 0, out _));
        Assert.Equal(0, d.Userptr(t.Client, mm, addr, Page, GpuDevice.UserptrProbe, out int h));
        Assert.NotNull(d.GetUserptr(t.Client, h));
        Assert.Equal(0, d.CloseBuffer(t.Client, h));
        // Released (idle, so at once): unsubscribed from the mm, so an munmap no longer calls it.
        mm.Munmap(addr, Page);
        Assert.Equal(0, mm.Invalidations);
    }

    private static DmaFence Exec(TestDevice t, BatchBuilder batch, int[] written)
    {
        Assert.Equal(0, ExecRaw(t, batch, written, out DmaFence? fence));
        return fence!;
    }

    private static int ExecRaw(TestDevice t, BatchBuilder batch, int[] written, out DmaFence? fence)
    {
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out int bb));
        Assert.Equal(0, t.Dev.Write(t.Client, bb, 0, batch.ToArray()));
        return t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = (int)EngineId.Rcs0,
            BatchHandle = bb,
            InFences = [],
            Objects = [],
            WriteObjects = written,
        }, out fence);
    }
}
