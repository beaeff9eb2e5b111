using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;
using Driver.Drm.Vgem;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>
/// IGT's cork (lib/igt_dummyload.c plug_vgem_handle): a vgem object with an unsignalled write fence, exported and
/// imported into i915 by PRIME; every i915 batch using the import waits on that fence through the shared reservation
/// (implicit sync), until VGEM_FENCE_SIGNAL lets them go — or, once the GPU is wedged, they end with -EIO.
/// </summary>
public class VgemCorkTests
{
    /// <summary>Plugs: a vgem object, its write fence, its dma-buf imported on the i915 file. Returns the fence id and the i915 handle.</summary>
    private static (uint Fence, uint Cork) Plug(VgemHarness v)
    {
        uint bo = v.Create();
        (int ret, uint fence) = v.Attach(bo, VgemDriver.FenceWrite);
        Assert.Equal(0, ret);
        (ret, int fd) = v.Export(bo);
        Assert.Equal(0, ret);
        (ret, uint cork) = v.ImportToI915(fd);
        Assert.Equal(0, ret);
        return (fence, cork);
    }

    private static uint BatchWithEnd(DrmHarness h)
    {
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd);
        return batch;
    }

    /// <summary>execbuf of <paramref name="batch"/> reading <paramref name="cork"/> (no EXEC_OBJECT_WRITE), with an out-fence.</summary>
    private static DmaFence SubmitBehind(DrmHarness h, uint cork, uint batch)
    {
        ArgBuffer a = Execbuf(h, FenceOut, 0, Object(cork), Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        return h.Fence((int)(a.U64(Rsvd2) >> 32));
    }

    [Fact]
    public void BatchReadingTheCorkWaitsForTheVgemFence_SignalLetsItRun()
    {
        // i915_gem_do_execbuffer awaits dma_resv_usage_rw(read) = the WRITE fences of every object: the vgem fence.
        using var v = VgemHarness.Fast();
        (uint fence, uint cork) = Plug(v);
        DrmHarness h = v.I915;
        uint batch = BatchWithEnd(h);
        DmaFence done = SubmitBehind(h, cork, batch);
        // Held back: the batch object is busy and its request unsignalled while the cork is in.
        Assert.Equal(-Errno.ETIME, h.Wait(batch, 0));
        Assert.False(done.IsSignaled);
        Assert.Equal(0, v.Signal(fence));
        Assert.True(done.Wait(Bound.Long), "the batch never ran after the cork was pulled");
        Assert.Equal(1, done.Status);
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
    }

    [Fact]
    public void CorkTimeoutReleasesTheBatchWithoutError()
    {
        // vgem_fence_timeout signals without an error, so the plugged batch runs normally (i915 inherits no error).
        using var v = VgemHarness.Fast(TimeSpan.FromMilliseconds(100));
        (uint fence, uint cork) = Plug(v);
        DmaFence done = SubmitBehind(v.I915, cork, BatchWithEnd(v.I915));
        Assert.True(done.Wait(Bound.Long), "the batch never ran after the cork timed out");
        Assert.Equal(1, done.Status);
        Assert.Equal(-Errno.ETIMEDOUT, v.Signal(fence));
    }

    [Fact]
    public void WedgeCancelsThePluggedBatchesWithEio()
    {
        // i915_gem_set_wedged: submission becomes nop_submit_request, so a request still waiting on its fences is
        // completed with -EIO as soon as it is let go; none of its batch runs.
        using var v = VgemHarness.Fast();
        (uint fence, uint cork) = Plug(v);
        DrmHarness h = v.I915;
        DmaFence[] done = [.. Enumerable.Range(0, 4).Select(_ => SubmitBehind(h, cork, BatchWithEnd(h)))];
        Assert.All(done, d => Assert.False(d.IsSignaled));
        h.Dev.Wedge();
        Assert.Equal(0, v.Signal(fence));
        foreach (DmaFence d in done)
        {
            Assert.True(d.Wait(Bound.Long), "a plugged batch was never completed after the wedge");
            Assert.Equal(-Errno.EIO, d.Status);
        }
    }

    [Fact]
    public void RingFillsBehindTheCork_AsGemMeasureRingInflightCounts()
    {
        // __gem_measure_ring_inflight: execbufs behind the cork until one blocks on the full ring (eb_throttle), where
        // the timer's signal ends it with -EINTR; after the unplug every request completes.
        using var v = VgemHarness.Fast();
        (uint fence, uint cork) = Plug(v);
        DrmHarness h = v.I915;
        uint batch = BatchWithEnd(h);
        using var signal = new CancellationTokenSource();
        signal.Cancel();
        h.Caller.SignalPending = signal.Token; // a signal is pending: a wait for ring space ends at once
        int count = 0;
        int ret;
        while ((ret = h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(cork), Object(batch)))) == 0)
        {
            count++;
            Assert.True(count <= IntelRing.Size / IntelRing.RequestBytes, $"the ring never filled behind the cork ({count} requests)");
        }

        Assert.Equal(-Errno.EINTR, ret);
        Assert.True(count > 2, $"only {count} requests fit");
        h.Caller.SignalPending = CancellationToken.None;
        Assert.Equal(-Errno.ETIME, h.Wait(batch, 0));
        Assert.Equal(0, v.Signal(fence));
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
        IntelRing ring = ((I915File)h.File.State!).Context(0).Ring(EngineId.Rcs0);
        Poll.Until(() => ring.Throttle() is null, "the ring drains after the unplug");
    }

    [Fact]
    public void I915ImportOfTheSameDmaBufGivesTheSameHandle_UntilClosed()
    {
        // drm_gem_prime_fd_to_handle: drm_prime_lookup_buf_handle finds the file's handle for a buffer it imported.
        using var v = VgemHarness.Fast();
        uint bo = v.Create();
        (_, int fd) = v.Export(bo);
        (int ret, uint first) = v.ImportToI915(fd);
        Assert.Equal(0, ret);
        (ret, uint again) = v.ImportToI915(fd);
        Assert.Equal(0, ret);
        Assert.Equal(first, again);
        ArgBuffer close = DrmHarness.Arg(DrmCoreLayout.GemCloseSize);
        close.SetU32(DrmCoreLayout.GemCloseHandle, first);
        Assert.Equal(0, v.I915.Ioctl(Requests.GemClose, close));
        (ret, uint fresh) = v.ImportToI915(fd);
        Assert.Equal(0, ret);
        Assert.Equal(0, v.I915.Dev.LookupObject(v.I915.File.ClientId, (int)fresh, out Core.Memory.BufferObject? imported));
        Assert.True(imported!.IsImport);
    }

    [Fact]
    public void I915ExportGivesADmaBufOfTheObject()
    {
        // drm_prime_handle_to_fd_ioctl on i915: flags checked first (-EINVAL), unknown handle -ENOENT.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = DrmHarness.Arg(PrimeLayout.Size);
        a.SetU32(PrimeLayout.Handle, bo);
        a.SetU32(PrimeLayout.Flags, 4);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.PrimeHandleToFd, a));
        a.SetU32(PrimeLayout.Flags, 0);
        a.SetU32(PrimeLayout.Handle, 99);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.PrimeHandleToFd, a));
        a.SetU32(PrimeLayout.Handle, bo);
        Assert.Equal(0, h.Ioctl(Requests.PrimeHandleToFd, a));
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)bo, out Core.Memory.BufferObject? obj));
        Assert.Same(obj, h.Caller.DmaBufOf(a.S32(PrimeLayout.Fd))!.Object);
    }
}
