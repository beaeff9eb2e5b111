using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Driver.Drm.Syncobj;
using Driver.Drm.Tests.Support;
using static Driver.Drm.I915.Layout.SyncobjLayout;

namespace Driver.Drm.Tests;

/// <summary>
/// The timeline syncobj ioctls (drm_syncobj.c): TIMELINE_SIGNAL, QUERY, TIMELINE_WAIT, TRANSFER, and the binary ones on
/// a timeline.
/// </summary>
public class SyncobjTimelineTests
{
    private const uint WaitAll = SyncobjWait.WaitAll;
    private const uint ForSubmit = SyncobjWait.WaitForSubmit;
    private const uint Available = SyncobjWait.WaitAvailable;

    [Fact]
    public void TimelineSignalAddsSignalledPointsAndQueryReadsThem()
    {
        // drm_syncobj_timeline_signal_ioctl: flags or no handles -EINVAL, an unknown handle -ENOENT, points not
        // readable -EFAULT (nothing added); each syncobj gets dma_fence_get_stub at its point.
        // drm_syncobj_query_ioctl: 0 for a syncobj that is no timeline; the last signalled point.
        using var h = DrmHarness.Fast();
        uint a = h.CreateSyncobj();
        uint b = h.CreateSyncobj(CreateSignaled);
        Assert.Equal(-Errno.EINVAL, h.TimelineSignal([a], [1], flags: 1));
        Assert.Equal(-Errno.EINVAL, h.TimelineSignal([], []));
        Assert.Equal(-Errno.ENOENT, h.TimelineSignal([a, 99], [1, 1]));
        Assert.Equal(-Errno.EFAULT, h.TimelineSignal([a], [1], pointsPtr: FakeCaller.BadAddress));
        Assert.Null(h.Syncobj(a).Fence);
        Assert.Equal(0ul, h.QueryPoint(b));
        Assert.Equal(0, h.TimelineSignal([a, b], [3, 7]));
        Assert.Equal(0, h.Query([a, b], 0, out ulong[] points));
        Assert.Equal([3ul, 7ul], points);
        Assert.Equal(0, h.TimelineSignal([a], [5]));
        Assert.Equal(5ul, h.QueryPoint(a));
    }

    [Fact]
    public void QueryGivesTheLastSignalledPointOrWithLastSubmittedTheHead()
    {
        // drm_syncobj_query_ioctl: flags beyond LAST_SUBMITTED or no handles -EINVAL, points not writable -EFAULT;
        // the oldest held node of the head's context: its point if signalled, else prev_seqno; LAST_SUBMITTED the
        // head's point.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.TimelineSignal([s], [1]));
        var pending = new DmaFence();
        h.Syncobj(s).AddPoint(pending, 4);
        Assert.Equal(1ul, h.QueryPoint(s));
        Assert.Equal(4ul, h.QueryPoint(s, QueryLastSubmitted));
        Assert.Equal(-Errno.EINVAL, h.Query([s], 2, out _));
        Assert.Equal(-Errno.EINVAL, h.Query([], 0, out _));
        ArgBuffer bad = DrmHarness.Arg(TimelineArraySize);
        bad.SetU64(TimelineArrayHandles, h.Caller.Put(BitConverter.GetBytes(s)));
        bad.SetU64(TimelineArrayPoints, FakeCaller.BadAddress);
        bad.SetU32(TimelineArrayCount, 1);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.SyncobjQuery, bad));
        pending.Signal();
        Assert.Equal(4ul, h.QueryPoint(s));
    }

    [Fact]
    public void TimelineWaitErrnos()
    {
        // drm_syncobj_timeline_wait_ioctl: flags beyond WAIT_ALL|FOR_SUBMIT|AVAILABLE|DEADLINE -EINVAL (no handles: 0,
        // SyncobjIoctlTests.WaitOnNoHandlesIsAccepted); drm_syncobj_array_find -ENOENT; points not readable -EFAULT; drm_syncobj_array_wait_timeout: a point the
        // timeline has not reached, without FOR_SUBMIT or AVAILABLE, -EINVAL; unsignalled at the deadline -ETIME.
        // SYNCOBJ_WAIT (binary) does not take WAIT_AVAILABLE.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        Assert.Equal(-Errno.EINVAL, h.TimelineWait([s], [1], 0, 1 << 4, out _));
        Assert.Equal(-Errno.ENOENT, h.TimelineWait([99], [1], 0, 0, out _));
        Assert.Equal(-Errno.EFAULT, h.TimelineWait([s], [1], 0, 0, out _, pointsPtr: FakeCaller.BadAddress));
        Assert.Equal(-Errno.EINVAL, h.TimelineWait([s], [1], 0, 0, out _));
        Assert.Equal(-Errno.EINVAL, h.SyncobjWait([s], 0, Available, out _));
        Assert.Equal(-Errno.ETIME, h.TimelineWait([s], [1], 0, ForSubmit, out _));
        h.Syncobj(s).AddPoint(new DmaFence(), 2);
        Assert.Equal(-Errno.EINVAL, h.TimelineWait([s], [3], 0, 0, out _));
        Assert.Equal(-Errno.ETIME, h.TimelineWait([s], [2], SyncobjCalls.Deadline(Bound.Short), 0, out _));
    }

    [Fact]
    public void WaitAvailableEndsOnceThePointHasAFence()
    {
        // drm_syncobj_array_wait_timeout with WAIT_AVAILABLE: a point that has a fence counts as signalled, even at
        // timeout 0 (test_syncobj_timeline_signal); without it the unsignalled point is -ETIME. first_signaled is
        // the first one ready.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        uint t = h.CreateSyncobj();
        var pending = new DmaFence();
        h.Syncobj(s).AddPoint(pending, 42);
        Assert.Equal(0, h.TimelineWait([t, s], [1, 42], 0, Available, out uint first));
        Assert.Equal(1u, first);
        Assert.Equal(-Errno.ETIME, h.TimelineWait([s], [42], 0, 0, out _));
        Assert.Equal(-Errno.ETIME, h.TimelineWait([t, s], [1, 42], 0, Available | WaitAll, out _));
        pending.Signal();
        Assert.Equal(0, h.TimelineWait([s], [42], 0, 0, out first));
        Assert.Equal(0u, first);
    }

    [Fact]
    public void WaitForSubmitWaitsForThePointToBeAddedThenSignalled()
    {
        // drm_syncobj_fence_add_wait / syncobj_wait_syncobj_func: a WAIT_FOR_SUBMIT waiter on a point not yet on the
        // timeline is woken when drm_syncobj_add_point reaches it, then waits for that point to signal; an earlier
        // point does not end the wait.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        DrmSyncobj syncobj = h.Syncobj(s);
        var three = new DmaFence();
        int ret = 1;
        var waiter = TestThread.Start("timeline-waiter", () => ret = h.TimelineWait([s], [3], SyncobjCalls.Deadline(Bound.Long), ForSubmit, out _));
        syncobj.AddPoint(DrmSyncobj.Stub(), 1);
        DmaFenceChain p3 = syncobj.AddPoint(three, 3);
        Poll.Until(() => p3.PendingCallbacks > 0, "the waiter hooked point 3", () => $"ret {Volatile.Read(ref ret)}");
        Assert.Equal(1, Volatile.Read(ref ret));
        three.Signal();
        waiter.Join();
        Assert.Equal(0, ret);
    }

    [Fact]
    public void BinaryIoctlsOnATimelineActOnItsHead()
    {
        // drm_syncobj_find_fence at point 0 (EXPORT_SYNC_FILE, SYNCOBJ_WAIT) is the head: busy until every point
        // signalled; SYNCOBJ_SIGNAL replaces the timeline by a stub, RESET drops it.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        var one = new DmaFence();
        h.Syncobj(s).AddPoint(one, 1);
        Assert.Equal(0, h.TimelineSignal([s], [2]));
        Assert.Equal(0, h.HandleToFd(s, ExportSyncFile, out int fd));
        DmaFence exported = h.Fence(fd);
        Assert.False(exported.IsSignaled);
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], 0, 0, out _));
        one.Signal();
        Assert.True(exported.IsSignaled);
        Assert.Equal(0, h.SyncobjWait([s], 0, 0, out _));
        h.Syncobj(s).AddPoint(new DmaFence(), 3);
        Assert.Equal(0, h.SyncobjArray(Requests.SyncobjSignal, [s]));
        Assert.Equal(0ul, h.QueryPoint(s));
        Assert.Equal(0, h.SyncobjArray(Requests.SyncobjReset, [s]));
        Assert.Null(h.Syncobj(s).Fence);
    }

    [Fact]
    public void TransferMovesAPointBetweenTimelinesAndBinarySyncobjs()
    {
        // drm_syncobj_transfer_ioctl: pad -EINVAL; the destination -ENOENT; drm_syncobj_find_fence: flags beyond
        // WAIT_FOR_SUBMIT -EINVAL, the source -ENOENT, a missing point -EINVAL (with WAIT_FOR_SUBMIT a bounded wait:
        // -ETIME is tested by the wait above); to a timeline at dst_point (transfer_to_timeline), else the
        // destination's fence replaced (transfer_to_binary).
        using var h = DrmHarness.Fast();
        uint src = h.CreateSyncobj();
        uint dst = h.CreateSyncobj();
        uint bin = h.CreateSyncobj();
        var five = new DmaFence();
        h.Syncobj(src).AddPoint(five, 5);
        Assert.Equal(-Errno.EINVAL, h.Transfer(src, 5, dst, 1, pad: 1));
        Assert.Equal(-Errno.ENOENT, h.Transfer(src, 5, 99, 1));
        Assert.Equal(-Errno.EINVAL, h.Transfer(src, 5, dst, 1, flags: 4));
        Assert.Equal(-Errno.ENOENT, h.Transfer(99, 5, dst, 1));
        Assert.Equal(-Errno.EINVAL, h.Transfer(src, 6, dst, 1));
        Assert.Equal(0, h.Transfer(src, 5, dst, 10));
        Assert.Equal(0, h.Transfer(src, 5, bin, 0));
        DmaFenceChain chain = Assert.IsType<DmaFenceChain>(h.Syncobj(dst).Fence);
        Assert.Equal(10ul, chain.Point);
        Assert.Same(h.Syncobj(src).Fence, chain.Fence);
        Assert.Same(h.Syncobj(src).Fence, h.Syncobj(bin).Fence);
        Assert.Equal(0ul, h.QueryPoint(dst));
        five.Signal();
        Assert.Equal(10ul, h.QueryPoint(dst));
        Assert.Equal(0, h.SyncobjWait([bin], 0, 0, out _));
    }

    [Fact]
    public void TransferWaitForSubmitKeepsTheFenceAttachedEvenIfResetRightAfter()
    {
        // drm_syncobj_find_fence with WAIT_FOR_SUBMIT: syncobj_wait_syncobj_func takes the fence as the source gets it;
        // a RESET of the source right after does not take it back, so the transfer moves that fence (0), never
        // -EINVAL for a source that was empty again when it looked.
        using var h = DrmHarness.Fast();
        uint src = h.CreateSyncobj();
        uint dst = h.CreateSyncobj();
        DrmSyncobj source = h.Syncobj(src);
        // Registered before the transfer's waiter, so told first: the RESET lands before the waiter is woken to look.
        bool reset = false;
        source.AddChangeWaiter((so, _) =>
        {
            if (!reset && so.Fence is not null)
            {
                reset = true;
                so.ReplaceFence(null);
            }
        });
        int ret = int.MinValue;
        var transfer = TestThread.Start("transfer-submit-reset", () => ret = h.Transfer(src, 0, dst, 0, flags: ForSubmit));
        Poll.Until(() => source.ChangeWaiterCount == 2, "the transfer waits on the source");
        var attached = new DmaFence(DmaFence.ContextAlloc(), 1);
        source.ReplaceFence(attached);
        Assert.True(reset);
        Assert.True(transfer.TryJoin(Bound.Long), "the transfer did not return");
        Assert.Equal(0, ret);
        Assert.Same(attached, h.Syncobj(dst).Fence);
    }

    [Fact]
    public void GetCapAnnouncesTimelines()
    {
        // drm_getcap: SYNCOBJ_TIMELINE follows DRIVER_SYNCOBJ_TIMELINE, which i915 has.
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(Driver.Drm.I915.Layout.DrmCoreLayout.GetCapSize);
        a.SetU64(0, Driver.Drm.I915.Layout.DrmCoreLayout.CapSyncobjTimeline);
        Assert.Equal(0, h.Ioctl(Requests.GetCap, a));
        Assert.Equal(1ul, a.U64(8));
    }
}
