using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Driver.Drm.Syncobj;
using Driver.Drm.Tests.Support;
using static Driver.Drm.I915.Layout.SyncobjLayout;

namespace Driver.Drm.Tests;

/// <summary>The DRM core syncobj ioctls (drm_syncobj.c): CREATE, DESTROY, HANDLE_TO_FD, FD_TO_HANDLE, WAIT, RESET, SIGNAL.</summary>
public class SyncobjIoctlTests
{
    private const uint WaitAll = SyncobjWait.WaitAll;
    private const uint ForSubmit = SyncobjWait.WaitForSubmit;

    [Fact]
    public void CreateGivesTheLowestFreeHandleFromOne_DestroyDropsIt()
    {
        // drm_syncobj_get_handle: idr_alloc from 1, the lowest free id; drm_syncobj_destroy: an unknown handle -EINVAL.
        using var h = DrmHarness.Fast();
        Assert.Equal(1u, h.CreateSyncobj());
        Assert.Equal(2u, h.CreateSyncobj());
        Assert.Equal(3u, h.CreateSyncobj());
        Assert.Equal(0, h.DestroySyncobj(2));
        Assert.Equal(-Errno.EINVAL, h.DestroySyncobj(2));
        Assert.Equal(-Errno.EINVAL, h.DestroySyncobj(0));
        Assert.Equal(2u, h.CreateSyncobj());
        Assert.Equal(4u, h.CreateSyncobj());
        Assert.Equal(4, h.File.Syncobjs.Count);
    }

    [Fact]
    public void CreateAndDestroyErrors()
    {
        // drm_syncobj_create_ioctl: flags beyond CREATE_SIGNALED -EINVAL; drm_syncobj_destroy_ioctl: pad -EINVAL.
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.EINVAL, h.CreateSyncobj(2, out _));
        Assert.Equal(0, h.File.Syncobjs.Count);
        uint s = h.CreateSyncobj();
        Assert.Equal(-Errno.EINVAL, h.DestroySyncobj(s, pad: 1));
        Assert.NotNull(h.File.Syncobjs.Find(s));
    }

    [Fact]
    public void CreateSignaledHoldsASignalledFence()
    {
        // drm_syncobj_create(DRM_SYNCOBJ_CREATE_SIGNALED): drm_syncobj_assign_null_handle, the stub fence.
        using var h = DrmHarness.Fast();
        uint empty = h.CreateSyncobj();
        uint signalled = h.CreateSyncobj(CreateSignaled);
        Assert.Null(h.Syncobj(empty).Fence);
        Assert.True(h.Syncobj(signalled).Fence!.IsSignaled);
        Assert.Equal(0, h.SyncobjWait([signalled], 0, 0, out uint first));
        Assert.Equal(0u, first);
    }

    [Fact]
    public void HandleToFdAndBackNamesTheSameSyncobj()
    {
        // drm_syncobj_handle_to_fd / drm_syncobj_fd_to_handle: the fd names the syncobj itself, so a fence attached
        // later through one handle is seen through the imported one (test_syncobj_export's channel).
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.HandleToFd(s, 0, out int fd));
        Assert.NotNull(h.Caller.GetSyncobjFile(fd));
        uint imported = 0;
        Assert.Equal(0, h.FdToHandle(fd, 0, ref imported));
        Assert.NotEqual(s, imported);
        Assert.Same(h.Syncobj(s), h.Syncobj(imported));
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(s).ReplaceFence(fence);
        Assert.Same(fence, h.Syncobj(imported).Fence);
        // The fd outlives the handles and the file.
        Assert.Equal(0, h.DestroySyncobj(s));
        Assert.Equal(0, h.DestroySyncobj(imported));
        uint again = 0;
        Assert.Equal(0, h.FdToHandle(fd, 0, ref again));
        Assert.Same(fence, h.Syncobj(again).Fence);
    }

    [Fact]
    public void HandleToFdErrors()
    {
        // drm_syncobj_handle_to_fd_ioctl: pad or unknown flags -EINVAL; a plain export of an unknown handle -EINVAL
        // (drm_syncobj_handle_to_fd); EXPORT_SYNC_FILE of an unknown handle -ENOENT, of one without a fence -EINVAL
        // (drm_syncobj_export_sync_file via drm_syncobj_find_fence).
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        Assert.Equal(-Errno.EINVAL, h.HandleToFd(s, 0, out _, pad: 1));
        Assert.Equal(-Errno.EINVAL, h.HandleToFd(s, 2, out _));
        Assert.Equal(-Errno.EINVAL, h.HandleToFd(99, 0, out _));
        Assert.Equal(-Errno.ENOENT, h.HandleToFd(99, ExportSyncFile, out _));
        Assert.Equal(-Errno.EINVAL, h.HandleToFd(s, ExportSyncFile, out _));
    }

    [Fact]
    public void ExportSyncFileGivesTheCurrentFence()
    {
        // drm_syncobj_export_sync_file: a sync_file of the fence held now; a later replacement does not change it.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(s).ReplaceFence(fence);
        Assert.Equal(0, h.HandleToFd(s, ExportSyncFile, out int fd));
        Assert.Same(fence, h.Fence(fd));
        h.Syncobj(s).ReplaceFence(null);
        Assert.Same(fence, h.Fence(fd));
    }

    [Fact]
    public void FdToHandleErrors()
    {
        // drm_syncobj_fd_to_handle_ioctl: pad or unknown flags -EINVAL; a plain import of an fd that is no syncobj
        // (a sync_file here) -EINVAL; IMPORT_SYNC_FILE of an fd that is no sync_file -EINVAL
        // (drm_syncobj_import_sync_file_fence), into an unknown handle -ENOENT.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.HandleToFd(s, 0, out int syncobjFd));
        int syncFileFd = h.Caller.AddFence(new DmaFence(DmaFence.ContextAlloc(), 1));
        uint handle = 0;
        Assert.Equal(-Errno.EINVAL, h.FdToHandle(syncobjFd, 0, ref handle, pad: 1));
        Assert.Equal(-Errno.EINVAL, h.FdToHandle(syncobjFd, 2, ref handle));
        Assert.Equal(-Errno.EINVAL, h.FdToHandle(syncFileFd, 0, ref handle));
        Assert.Equal(-Errno.EINVAL, h.FdToHandle(-1, 0, ref handle));
        handle = s;
        Assert.Equal(-Errno.EINVAL, h.FdToHandle(syncobjFd, ImportSyncFile, ref handle));
        handle = 99;
        Assert.Equal(-Errno.ENOENT, h.FdToHandle(syncFileFd, ImportSyncFile, ref handle));
        Assert.Equal(1, h.File.Syncobjs.Count);
    }

    [Fact]
    public void ImportSyncFileReplacesTheFence()
    {
        // drm_syncobj_import_sync_file_fence: the syncobj now holds the sync_file's fence (test_syncobj_import).
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj(CreateSignaled);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = h.Caller.AddFence(fence);
        uint handle = s;
        Assert.Equal(0, h.FdToHandle(fd, ImportSyncFile, ref handle));
        Assert.Equal(s, handle);
        Assert.Same(fence, h.Syncobj(s).Fence);
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], 0, 0, out _));
        fence.Signal();
        Assert.Equal(0, h.SyncobjWait([s], 0, 0, out _));
    }

    [Fact]
    public void WaitArgumentErrors()
    {
        // drm_syncobj_wait_ioctl: flags beyond WAIT_ALL|WAIT_FOR_SUBMIT|WAIT_DEADLINE (WAIT_AVAILABLE included)
        // -EINVAL (no handles: WaitOnNoHandlesIsAccepted); drm_syncobj_array_find: handles unreadable -EFAULT, an unknown one -ENOENT;
        // drm_syncobj_array_wait_timeout: without WAIT_FOR_SUBMIT a syncobj with no fence -EINVAL.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj(CreateSignaled);
        uint empty = h.CreateSyncobj();
        Assert.Equal(-Errno.EINVAL, h.SyncobjWait([s], 0, 1 << 2, out _));
        Assert.Equal(-Errno.EINVAL, h.SyncobjWait([s], 0, 1 << 4, out _));
        Assert.Equal(-Errno.ENOENT, h.SyncobjWait([s, 99], 0, 0, out _));
        Assert.Equal(-Errno.EINVAL, h.SyncobjWait([s, empty], 0, 0, out _));
        Assert.Equal(0, h.SyncobjWait([s], 0, WaitDeadline, out _));

        ArgBuffer a = DrmHarness.Arg(WaitSize);
        a.SetU64(WaitHandles, FakeCaller.BadAddress);
        a.SetU32(WaitCount, 1);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.SyncobjWait, a));
    }

    [Fact]
    public void AHandleArrayTooLargeForKmallocIsEnomemBeforeAnythingIsRead()
    {
        // drm_syncobj_array_find: kmalloc_array(count_handles, 4) fails past KMALLOC_MAX_SIZE (4 MiB: order 10 of
        // 4 KiB pages) → -ENOMEM, before copy_from_user could say -EFAULT; drm_syncobj_timeline_wait_ioctl's points
        // array likewise (kmalloc_array(count, 8)). Nothing is allocated for the user's count first.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj(CreateSignaled);
        foreach (uint count in new[] { (1u << 20) + 1, 0x7fffffffu, uint.MaxValue })
        {
            ArgBuffer a = DrmHarness.Arg(WaitSize);
            a.SetU64(WaitHandles, FakeCaller.BadAddress);
            a.SetU32(WaitCount, count);
            Assert.Equal(-Errno.ENOMEM, h.Ioctl(Requests.SyncobjWait, a));
        }

        // At the limit the handles are read: this address is unreadable, -EFAULT.
        ArgBuffer atLimit = DrmHarness.Arg(WaitSize);
        atLimit.SetU64(WaitHandles, FakeCaller.BadAddress);
        atLimit.SetU32(WaitCount, 1u << 20);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.SyncobjWait, atLimit));
        Assert.Equal(0, h.SyncobjWait([s], 0, 0, out _));
    }

    [Fact]
    public void WaitOnNoHandlesIsAccepted()
    {
        // drm_syncobj_wait_ioctl / drm_syncobj_timeline_wait_ioctl: count_handles 0 returns 0 before any lookup (IGT
        // syncobj_wait@invalid-wait-zero-handles and syncobj_timeline@wait-zero-handles assert 0; the kernel stopped
        // rejecting it, i915#9781). RESET, SIGNAL, QUERY and TIMELINE_SIGNAL still reject it with -EINVAL.
        using var h = DrmHarness.Fast();
        Assert.Equal(0, h.SyncobjWait([], 0, 0, out _));
        Assert.Equal(0, h.TimelineWait([], [], 0, 0, out _));
        Assert.Equal(-Errno.EINVAL, h.SyncobjArray(Requests.SyncobjReset, []));
    }

    [Fact]
    public void WaitTimesOutAtTheAbsoluteDeadlineWithEtime()
    {
        // drm_timeout_abs_to_jiffies: 0 or a time past does not wait; drm_syncobj_array_wait_timeout: nothing
        // signalled by then is -ETIME, and first_signaled is left as it was.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        h.Syncobj(s).ReplaceFence(new DmaFence(DmaFence.ContextAlloc(), 1));
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], 0, 0, out uint first));
        Assert.Equal(0xdeadu, first);
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], -1, 0, out _));
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], SyncobjCalls.Deadline(-Bound.Long), 0, out _));
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], SyncobjCalls.Deadline(Bound.Short), 0, out _));
    }

    [Fact]
    public void WaitAnyReportsTheFirstSignalledAndWaitAllWantsEvery()
    {
        // drm_syncobj_array_wait_timeout: without WAIT_ALL one signalled fence ends the wait and first_signaled is its
        // index; with WAIT_ALL every fence must have signalled; signalled already is 0 even with no time to wait.
        using var h = DrmHarness.Fast();
        uint pending = h.CreateSyncobj();
        uint done = h.CreateSyncobj(CreateSignaled);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(pending).ReplaceFence(fence);
        Assert.Equal(0, h.SyncobjWait([pending, done], 0, 0, out uint first));
        Assert.Equal(1u, first);
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([pending, done], 0, WaitAll, out _));
        fence.Signal();
        Assert.Equal(0, h.SyncobjWait([pending, done], 0, WaitAll, out first));
        Assert.Equal(0u, first);
    }

    [Fact]
    public void WaitWakesWhenTheFenceSignals()
    {
        // drm_syncobj_array_wait_timeout sleeps until a fence callback wakes it.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(s).ReplaceFence(fence);
        int ret = int.MinValue;
        var waiter = TestThread.Start("syncobj-wait", () => ret = h.SyncobjWait([s], SyncobjCalls.Deadline(Bound.Long), WaitAll, out _));
        Assert.False(waiter.TryJoin(Bound.Short)); // asleep on the fence
        fence.Signal();
        waiter.Join();
        Assert.Equal(0, ret);
    }

    [Fact]
    public void WaitForSubmitWaitsForAFenceToBeAttached()
    {
        // DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT: an empty syncobj is waited for (drm_syncobj_fence_add_wait) until
        // drm_syncobj_replace_fence gives it a fence, then that fence is waited for.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        DrmSyncobj syncobj = h.Syncobj(s);
        Assert.Equal(-Errno.ETIME, h.SyncobjWait([s], 0, ForSubmit, out _));
        int ret = int.MinValue;
        var waiter = TestThread.Start("syncobj-wait-submit", () => ret = h.SyncobjWait([s], SyncobjCalls.Deadline(Bound.Long), ForSubmit, out _));
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        Assert.False(waiter.TryJoin(Bound.Short));
        syncobj.ReplaceFence(fence);
        Assert.False(waiter.TryJoin(Bound.Short)); // now asleep on the attached fence
        Assert.Equal(int.MinValue, ret);
        fence.Signal();
        waiter.Join();
        Assert.Equal(0, ret);
    }

    [Fact]
    public void WaitForSubmitKeepsTheFenceAttachedEvenIfResetRightAfter()
    {
        // syncobj_wait_syncobj_func runs under the syncobj's lock as drm_syncobj_replace_fence installs a fence and
        // takes that fence for the waiter: a RESET right after cannot take it back. The waiter then waits on it (here
        // signalled: 0 at once), never sleeping on to -ETIME because the syncobj was empty again when it looked.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        DrmSyncobj syncobj = h.Syncobj(s);
        // Registered before the waiter, so told first: the RESET lands before the waiter is woken to look.
        bool reset = false;
        syncobj.AddChangeWaiter((so, _) =>
        {
            if (!reset && so.Fence is not null)
            {
                reset = true;
                so.ReplaceFence(null);
            }
        });
        int ret = int.MinValue;
        var waiter = TestThread.Start("syncobj-wait-submit-reset", () => ret = h.SyncobjWait([s], SyncobjCalls.Deadline(Bound.Long), ForSubmit, out _));
        Poll.Until(() => syncobj.ChangeWaiterCount == 2, "the waiter registered on the syncobj");
        syncobj.AssignSignalled();
        Assert.True(reset);
        Assert.True(waiter.TryJoin(Bound.Long + Bound.Long), "the waiter did not return");
        Assert.Equal(0, ret);
    }

    [Fact]
    public void WaitIsInterruptedBySignals()
    {
        // The wait sleeps interruptibly: a signal ends it with -ERESTARTSYS, which the caller sees as -EINTR.
        using var h = DrmHarness.Fast();
        uint s = h.CreateSyncobj();
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        h.Syncobj(s).ReplaceFence(fence);
        using var signal = new CancellationTokenSource();
        h.Caller.SignalPending = signal.Token;
        int ret = int.MinValue;
        var waiter = TestThread.Start("syncobj-wait-eintr", () => ret = h.SyncobjWait([s], long.MaxValue, 0, out _));
        Assert.False(waiter.TryJoin(Bound.Short)); // asleep on the fence
        signal.Cancel();
        waiter.Join();
        Assert.Equal(-Errno.EINTR, ret);
        Assert.False(fence.IsSignaled);
    }

    [Fact]
    public void ResetAndSignal()
    {
        // drm_syncobj_reset_ioctl drops the fence (drm_syncobj_replace_fence(NULL)); drm_syncobj_signal_ioctl attaches
        // a signalled one (drm_syncobj_assign_null_handle).
        using var h = DrmHarness.Fast();
        uint a = h.CreateSyncobj();
        uint b = h.CreateSyncobj();
        Assert.Equal(0, h.SyncobjArray(Requests.SyncobjSignal, [a, b]));
        Assert.True(h.Syncobj(a).Fence!.IsSignaled);
        Assert.Equal(0, h.SyncobjWait([a, b], 0, WaitAll, out _));
        Assert.Equal(0, h.SyncobjArray(Requests.SyncobjReset, [a]));
        Assert.Null(h.Syncobj(a).Fence);
        Assert.NotNull(h.Syncobj(b).Fence);
        Assert.Equal(-Errno.EINVAL, h.HandleToFd(a, ExportSyncFile, out _));
    }

    [Fact]
    public void ResetAndSignalErrors()
    {
        // drm_syncobj_reset_ioctl / drm_syncobj_signal_ioctl: pad -EINVAL, no handles -EINVAL; drm_syncobj_array_find:
        // -EFAULT, -ENOENT, and nothing changes when one handle is unknown.
        using var h = DrmHarness.Fast();
        uint a = h.CreateSyncobj();
        foreach (uint request in new[] { Requests.SyncobjReset, Requests.SyncobjSignal })
        {
            Assert.Equal(-Errno.EINVAL, h.SyncobjArray(request, [a], pad: 1));
            Assert.Equal(-Errno.EINVAL, h.SyncobjArray(request, []));
            Assert.Equal(-Errno.EFAULT, h.SyncobjArray(request, [a], pointer: FakeCaller.BadAddress));
            Assert.Equal(-Errno.ENOENT, h.SyncobjArray(request, [a, 99]));
        }

        Assert.Null(h.Syncobj(a).Fence);
    }

    [Fact]
    public void ReleaseDropsTheFilesHandles()
    {
        // drm_syncobj_release: closing the file drops its handles; an exported fd keeps the syncobj for another file.
        using var h = DrmHarness.Fast();
        DrmFile other = h.Driver.Open(h.Caller.Pid);
        ArgBuffer a = DrmHarness.Arg(CreateSize);
        Assert.Equal(0, h.Ioctl(other, Requests.SyncobjCreate, a));
        uint s = a.U32(CreateHandle);
        ArgBuffer export = DrmHarness.Arg(HandleSize);
        export.SetU32(HandleHandle, s);
        Assert.Equal(0, h.Ioctl(other, Requests.SyncobjHandleToFd, export));
        DrmSyncobj syncobj = other.Syncobjs.Find(s)!;
        h.Driver.Release(other);
        Assert.Equal(0, other.Syncobjs.Count);
        uint mine = 0;
        Assert.Equal(0, h.FdToHandle(export.S32(HandleFd), 0, ref mine));
        Assert.Same(syncobj, h.Syncobj(mine));
    }
}
