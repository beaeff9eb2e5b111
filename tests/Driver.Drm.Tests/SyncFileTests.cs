using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Requests;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.I915.Layout.SyncFileLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>sync_file_ioctl: SYNC_IOC_MERGE, SYNC_IOC_FILE_INFO.</summary>
public class SyncFileTests
{
    private static int Merge(DrmHarness h, int fd, int fd2, out int merged, uint flags = 0)
    {
        var a = new ArgBuffer(new byte[MergeSize]);
        a.SetCString(MergeName, 32, "merge");
        a.SetS32(MergeFd2, fd2);
        a.SetU32(MergeFlags, flags);
        ulong at = h.Caller.Put(a.Data);
        int ret = h.Driver.SyncFileIoctl(fd, Requests.SyncMerge, at, h.Caller);
        h.Caller.CompleteCall(ret);
        merged = h.Caller.S32(at + MergeFence);
        return ret;
    }

    private static int Info(DrmHarness h, int fd, uint slots, out ArgBuffer info, out ArgBuffer list)
    {
        var a = new ArgBuffer(new byte[InfoSize]);
        ulong fences = h.Caller.Alloc((int)Math.Max(slots, 1) * FenceInfoSize);
        a.SetU32(InfoNumFences, slots);
        a.SetU64(InfoFences, fences);
        ulong at = h.Caller.Put(a.Data);
        int ret = h.Driver.SyncFileIoctl(fd, Requests.SyncFileInfo, at, h.Caller);
        info = new ArgBuffer(h.Caller.Get(at, InfoSize));
        list = new ArgBuffer(h.Caller.Get(fences, (int)Math.Max(slots, 1) * FenceInfoSize));
        return ret;
    }

    [Fact]
    public void MergeGivesOneFenceOverBoth()
    {
        // sync_file_merge: the new fd's fence signals once both have; FILE_INFO lists both, status 0 until then.
        using var h = DrmHarness.Fast();
        var f1 = new DmaFence(DmaFence.ContextAlloc(), 1);
        var f2 = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd1 = h.Caller.AddFence(f1);
        int fd2 = h.Caller.AddFence(f2);
        Assert.Equal(0, Merge(h, fd1, fd2, out int merged));
        Assert.True(h.Caller.HasFd(merged));
        Assert.Equal(0, Info(h, merged, 0, out ArgBuffer info, out _));
        Assert.Equal(2u, info.U32(InfoNumFences));
        Assert.Equal(0, info.S32(InfoStatus));
        f1.Signal();
        f2.SetError(-Errno.EIO);
        f2.Signal();
        Assert.True(h.Fence(merged).IsSignaled);
        Assert.Equal(0, Info(h, merged, 2, out info, out ArgBuffer list));
        Assert.Equal(-Errno.EIO, info.S32(InfoStatus));
        Assert.Equal(1, list.S32(FenceStatus));
        Assert.Equal(-Errno.EIO, list.S32(FenceInfoSize + FenceStatus));
    }

    /// <summary>Execbuf of <paramref name="objects"/> (the batch last) on a new context of <paramref name="ring"/>
    /// with FENCE_OUT, FENCE_IN <paramref name="inFd"/> when given; returns the out-fence's descriptor.</summary>
    private static int Submit(DrmHarness h, ulong ring, int? inFd, params byte[][] objects)
    {
        ArgBuffer a = Execbuf(h, ring | FenceOut | (inFd is null ? 0 : FenceIn), h.CreateContext(), objects);
        a.SetU64(Rsvd2, (ulong)(inFd ?? 0));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        return (int)(a.U64(Rsvd2) >> 32);
    }

    [Fact]
    public void AMergeOfOurRequestsIsAwaitedAsRequestsWithoutTheForeignFenceTimeout()
    {
        // i915_request_await_dma_fence takes a dma_fence_array (the merged sync_file) member by member and awaits each
        // i915 member as a request (i915_request_await_request): no I915_FENCE_TIMEOUT, so the waiter is held while one
        // member still runs, and a member's fatal error (-EIO) reaches the waiter through its submit fence.
        // 2 s: long enough that the failing member's own foreign in-fence (signalled a few statements later) does not
        // time out on a loaded machine (500 ms did, in CI beside other builds), short enough that holding the waiter
        // past it (2.5 s below) proves no timeout.
        using var h = DrmHarness.WithForeignFenceTimeout(TimeSpan.FromSeconds(2));
        const uint GateAddress = 0x1000_0000;
        uint gate = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        int spinFd = Submit(h, RingRender, null, Object(gate, ObjPinned, GateAddress), Object(spin));
        var bad = new DmaFence(DmaFence.ContextAlloc(), 1);
        uint end = h.Create();
        h.Write(end, 0, Mi.BatchBufferEnd);
        int failFd = Submit(h, RingBsd, h.Caller.AddFence(bad), Object(end));
        Assert.Equal(0, Merge(h, spinFd, failFd, out int merged));
        Assert.IsType<MergedFence>(h.Fence(merged));
        Request waiter = Assert.IsType<Request>(h.Fence(Submit(h, RingBlt, merged, Object(end))));
        // The members were awaited one by one, as requests, and not the array as one foreign fence.
        Assert.Equal([h.Fence(spinFd), h.Fence(failFd)], waiter.InFences.OrderBy(f => f == h.Fence(failFd) ? 1 : 0));

        bad.SetError(-Errno.EIO);
        bad.Signal();
        Assert.True(h.Fence(failFd).Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, h.Fence(failFd).Status);
        Assert.False(waiter.Wait(TimeSpan.FromMilliseconds(2500)), "the waiter ran while a request of the merge still ran");
        h.CpuWrite(gate, 0, 1);
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(1, h.Fence(spinFd).Status);
        Assert.Equal(-Errno.EIO, waiter.Status);
    }

    [Fact]
    public void MergeOfOneContextKeepsTheLaterFence()
    {
        // dma_fence_unwrap_merge: one fence per context, the later seqno; a single fence left is that fence.
        ulong ctx = DmaFence.ContextAlloc();
        var early = new DmaFence(ctx, 1);
        var late = new DmaFence(ctx, 2);
        Assert.Same(late, I915Driver.MergeFences(early, late));
        late.Signal();
        early.Signal();
        Assert.True(I915Driver.MergeFences(early, late).IsSignaled);
    }

    [Fact]
    public void MergeOfTwoPointsOfOneTimelineWaitsForTheLaterPoint()
    {
        // sync_file_ioctl_merge → dma_fence_unwrap_merge: the chain of each exported timeline point is unwrapped
        // (dma_fence_unwrap_for_each walks dma_fence_chain) into the points' own fences, so the merge of point 1 and
        // point 2 waits for both; and were the chains kept, the later of one context is the one with the higher
        // 64-bit seqno (the point). Never the earlier point alone.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        var one = new DmaFence(DmaFence.ContextAlloc(), 1);
        var two = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(s).AddPoint(one, 1);
        Assert.Equal(0, h.HandleToFd(s, SyncobjLayout.ExportSyncFile, out int fd1));
        h.Syncobj(s).AddPoint(two, 2);
        Assert.Equal(0, h.HandleToFd(s, SyncobjLayout.ExportSyncFile, out int fd2));
        Assert.Equal(0, Merge(h, fd1, fd2, out int merged));
        one.Signal();
        Assert.False(h.Fence(merged).IsSignaled, "the merge of points 1 and 2 signalled while point 2 was pending");
        two.Signal();
        Assert.True(h.Fence(merged).IsSignaled);
    }

    [Fact]
    public void FileInfoOfAnExportedTimelinePointReportsItsFencesError()
    {
        // sync_file_ioctl_fence_info lists the fences dma_fence_unwrap_for_each finds: for an exported timeline point
        // (a dma_fence_chain, which itself signals without an error) that is the point's own fence, whose -EIO is
        // each entry's status and the file's (the first error). A chain hiding it reports success for failed work.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        var bad = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(s).AddPoint(bad, 1);
        Assert.Equal(0, h.HandleToFd(s, SyncobjLayout.ExportSyncFile, out int fd));
        bad.SetError(-Errno.EIO);
        bad.Signal();
        Assert.True(h.Fence(fd).IsSignaled);
        Assert.Equal(0, Info(h, fd, 0, out ArgBuffer info, out _));
        Assert.Equal(1u, info.U32(InfoNumFences));
        Assert.Equal(0, Info(h, fd, 1, out info, out ArgBuffer list));
        Assert.Equal(-Errno.EIO, list.S32(FenceStatus));
        Assert.Equal(-Errno.EIO, info.S32(InfoStatus));
    }

    [Fact]
    public void Errors()
    {
        // sync_file_ioctl_merge: flags -EINVAL, fd2 no sync_file -ENOENT; fence_info: too few slots -EINVAL;
        // an unknown request or a descriptor that is no sync_file -ENOTTY.
        using var h = DrmHarness.Fast();
        int fd1 = h.Caller.AddFence(new DmaFence(DmaFence.ContextAlloc(), 1));
        int fd2 = h.Caller.AddFence(new DmaFence(DmaFence.ContextAlloc(), 1));
        Assert.Equal(-Errno.EINVAL, Merge(h, fd1, fd2, out _, flags: 1));
        Assert.Equal(-Errno.ENOENT, Merge(h, fd1, 999, out _));
        Assert.Equal(0, Merge(h, fd1, fd2, out int merged));
        Assert.Equal(-Errno.EINVAL, Info(h, merged, 1, out _, out _));
        Assert.Equal(-Errno.ENOTTY, h.Driver.SyncFileIoctl(fd1, DrmIoctl.Encode(3, DrmIoctl.SyncType, 9, 8), h.Caller.Alloc(8), h.Caller));
        Assert.Equal(-Errno.ENOTTY, h.Driver.SyncFileIoctl(999, Requests.SyncFileInfo, h.Caller.Alloc(InfoSize), h.Caller));
        Assert.Equal(-Errno.EFAULT, h.Driver.SyncFileIoctl(fd1, Requests.SyncFileInfo, FakeCaller.BadAddress, h.Caller));
    }
}
