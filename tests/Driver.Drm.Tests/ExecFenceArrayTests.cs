using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>
/// Execbuf's syncobj fences (i915_gem_execbuffer.c): I915_EXEC_FENCE_ARRAY (add_fence_array, add_timeline_fence,
/// await_fence_array, signal_fence_array) and the TIMELINE_FENCES extension at point 0.
/// </summary>
public class ExecFenceArrayTests
{
    private const uint GateAddress = 0x1000_0000;

    private static uint BatchWithEnd(DrmHarness h)
    {
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd);
        return batch;
    }

    /// <summary>A batch spinning on a gate object's first dword until the CPU writes 1 there (igt_spin's role).</summary>
    private static (uint Gate, uint Batch) Spinner(DrmHarness h)
    {
        uint gate = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(gate, ObjPinned, GateAddress), Object(batch))));
        return (gate, batch);
    }

    private static ulong Fences(DrmHarness h, params (uint Handle, uint Flags)[] fences)
    {
        var a = new ArgBuffer(new byte[fences.Length * FenceSize]);
        for (int i = 0; i < fences.Length; i++)
        {
            a.SetU32(i * FenceSize, fences[i].Handle);
            a.SetU32((i * FenceSize) + 4, fences[i].Flags);
        }

        return h.Caller.Put(a.Data);
    }

    private static ArgBuffer WithFences(DrmHarness h, uint batch, params (uint Handle, uint Flags)[] fences)
    {
        ArgBuffer a = Execbuf(h, FenceArray, 0, Object(batch));
        a.SetU64(CliprectsPtr, Fences(h, fences));
        a.SetU32(NumCliprects, (uint)fences.Length);
        return a;
    }

    [Fact]
    public void InvalidFenceArrayPointers()
    {
        // add_fence_array: no entries is nothing; !access_ok -EFAULT; a zeroed entry names handle 0, never a
        // syncobj: -ENOENT (drm_syncobj_find); an unreadable entry -EFAULT (test_invalid_fence_array).
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        ArgBuffer a = Execbuf(h, FenceArray, 0, Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU32(NumCliprects, 1);
        a.SetU64(CliprectsPtr, ulong.MaxValue);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU64(CliprectsPtr, h.Caller.Alloc(FenceSize));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU64(CliprectsPtr, FakeCaller.BadAddress);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Execbuffer2, a));
    }

    [Fact]
    public void AHugeFenceCountIsEnomemNotAnException()
    {
        // add_fence_array: num_cliprects passes the overflow check and access_ok (2^29 entries of 8 bytes, 4 GiB, lie
        // in user space), then krealloc of num_fences * sizeof(struct eb_fence) (16 GiB, past KMALLOC_MAX_SIZE) fails:
        // -ENOMEM. GpuSim must answer an errno, not throw (the server would answer -EIO), and stay usable.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        ArgBuffer a = WithFences(h, batch, (s, FenceSignal));
        a.SetU32(NumCliprects, 0x2000_0000);
        Assert.Equal(-Errno.ENOMEM, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU32(NumCliprects, 0x1000_0000);
        Assert.Equal(-Errno.ENOMEM, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU32(NumCliprects, 1);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
    }

    [Fact]
    public void EntryErrorsInKernelOrder()
    {
        // add_fence_array: flags beyond WAIT|SIGNAL -EINVAL before the lookup; an unknown handle -ENOENT; WAIT on a
        // syncobj with no fence -EINVAL (test_syncobj_invalid_wait), WAIT|SIGNAL too; SIGNAL alone needs none.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, ~0u))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (99, 4))));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (99, FenceWait))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, FenceWait))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, FenceWait | FenceSignal))));
        Assert.Null(h.Syncobj(s).Fence);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, FenceSignal))));
        Assert.NotNull(h.Syncobj(s).Fence);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, FenceWait | FenceSignal))));
    }

    [Fact]
    public void AnEntryWithoutFlagsLeavesTheSyncobjUntouched()
    {
        // add_timeline_fence keeps the syncobj, but neither await_fence_array nor signal_fence_array acts on it
        // (test_syncobj_unused_fence).
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, 0))));
        Assert.Null(h.Syncobj(s).Fence);
        Assert.Equal(-Errno.EINVAL, h.HandleToFd(s, SyncobjLayout.ExportSyncFile, out _));
    }

    [Fact]
    public void SignalAttachesTheRequestsFence()
    {
        // signal_fence_array: drm_syncobj_replace_fence with the request's fence: busy while the batch is queued
        // behind a spinner, signalled once it ran (test_syncobj_signal).
        using var h = DrmHarness.WithoutHeartbeat();
        (uint gate, uint spin) = Spinner(h);
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, FenceSignal))));
        DmaFence fence = h.Syncobj(s).Fence!;
        Assert.False(fence.IsSignaled);
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], 0, 0, out _));
        h.CpuWrite(gate, 0, 1);
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
        Assert.True(fence.IsSignaled);
        Assert.Equal(1, fence.Status);
        Assert.Equal(0, h.SyncobjWait([s], 0, 0, out _));
        Assert.Equal(0, h.Wait(spin, Bound.LongNs));
    }

    [Fact]
    public void WaitHoldsTheBatchBackUntilTheSyncobjsFenceSignals()
    {
        // await_fence_array: i915_request_await_dma_fence on the fence the syncobj held at execbuf time; replacing
        // it afterwards does not release the batch.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        var gate = new DmaFence(DmaFence.ContextAlloc(), 1);
        uint handle = s;
        Assert.Equal(0, h.FdToHandle(h.Caller.AddFence(gate), SyncobjLayout.ImportSyncFile, ref handle));
        uint done = h.CreateSyncobj();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, (s, FenceWait), (done, FenceSignal))));
        h.Syncobj(s).AssignSignalled();
        Assert.Equal(-Errno.ETIME, h.Wait(batch, 0));
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([done], SyncobjCalls.Deadline(Bound.Short), 0, out _));
        gate.Signal();
        Assert.Equal(0, h.SyncobjWait([done], SyncobjCalls.Deadline(Bound.Long), 0, out _));
        Assert.Equal(0, h.Wait(batch, 0));
    }

    [Fact]
    public void WaitAndSignalOnOneSyncobjChainsTheRequests()
    {
        // WAIT|SIGNAL on the same syncobj (named by thousands of handles, test_syncobj_repeat): the request waits
        // for the previous fence, then becomes the syncobj's fence.
        using var h = DrmHarness.WithoutHeartbeat();
        (uint gate, _) = Spinner(h);
        uint first = h.CreateSyncobj();
        Assert.Equal(0, h.HandleToFd(first, 0, out int fd));
        var fences = new (uint, uint)[512];
        fences[0] = (first, FenceSignal);
        for (int i = 1; i < fences.Length; i++)
        {
            uint imported = 0;
            Assert.Equal(0, h.FdToHandle(fd, 0, ref imported));
            fences[i] = (imported, FenceSignal);
        }

        uint batch = BatchWithEnd(h);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, fences)));
        DmaFence one = h.Syncobj(first).Fence!;
        for (int i = 0; i < fences.Length; i++)
        {
            fences[i].Item2 = FenceWait | FenceSignal;
        }

        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithFences(h, batch, fences)));
        DmaFence two = h.Syncobj(first).Fence!;
        Assert.NotSame(one, two);
        Assert.False(two.IsSignaled);
        h.CpuWrite(gate, 0, 1);
        Assert.True(two.Wait(Bound.Long));
        Assert.True(one.IsSignaled);
        Assert.True(one.SignalTimestamp <= two.SignalTimestamp);
    }

    [Fact]
    public void AFailedExecbufSignalsNothing()
    {
        // signal_fence_array runs only once the request exists: an execbuf that fails later (an unknown object,
        // -ENOENT) leaves the syncobj as it was.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        ArgBuffer a = Execbuf(h, FenceArray, 0, Object(999));
        a.SetU64(CliprectsPtr, Fences(h, (s, FenceSignal)));
        a.SetU32(NumCliprects, 1);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Null(h.Syncobj(s).Fence);
    }

    [Fact]
    public void TimelineFencesExtensionAtPointZeroActsAsTheArray()
    {
        // parse_execbuf2_extensions: with FENCE_ARRAY -EINVAL. parse_timeline_fences: count 0 is nothing; unknown
        // flags -EINVAL; then add_timeline_fence_array with the point: WAIT|SIGNAL on an empty syncobj is fine here
        // (only SIGNAL acts); point 0 is a binary syncobj. A point on a fence that is no dma_fence_chain is -EINVAL to
        // wait on (dma_fence_chain_find_seqno); WAIT|SIGNAL at a point -EINVAL; SIGNAL at a point adds it
        // (ExecTimelineFenceTests).
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        ArgBuffer Ext(uint flags, ulong point, ulong count = 1)
        {
            var ext = new ArgBuffer(new byte[ContextLayout.ExtSize + 24]);
            ext.SetU64(ContextLayout.ExtSize, count);
            ext.SetU64(ContextLayout.ExtSize + 8, Fences(h, (s, flags)));
            ext.SetU64(ContextLayout.ExtSize + 16, h.Caller.Put(BitConverter.GetBytes(point)));
            ArgBuffer a = Execbuf(h, UseExtensions, 0, Object(batch));
            a.SetU64(CliprectsPtr, h.Caller.Put(ext.Data));
            return a;
        }

        ArgBuffer both = Ext(FenceWait, 0, count: 0);
        both.SetU64(ExecbufLayout.Flags, UseExtensions | FenceArray);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, both));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait, 0, count: 0)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Ext(8, 0)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait, 0)));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait | FenceSignal, 0)));
        Assert.NotNull(h.Syncobj(s).Fence);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait | FenceSignal, 5)));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait, 0)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait, 5)));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Ext(FenceSignal, 5)));
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait, 0, count: 1UL << 45)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Ext(FenceWait, 0, count: ulong.MaxValue)));
    }
}
