using Driver.Drm.I915;
using Driver.Drm.Syncobj;
using static Driver.Drm.I915.Layout.SyncobjLayout;

namespace Driver.Drm.Tests.Support;

/// <summary>The syncobj ioctls as lib/igt_syncobj.c makes them, through a harness.</summary>
public static class SyncobjCalls
{
    /// <summary>SYNCOBJ_CREATE; returns the result, the handle in <paramref name="handle"/>.</summary>
    public static int CreateSyncobj(this DrmHarness h, uint flags, out uint handle)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgBuffer a = DrmHarness.Arg(CreateSize);
        a.SetU32(CreateFlags, flags);
        int ret = h.Ioctl(Requests.SyncobjCreate, a);
        handle = a.U32(CreateHandle);
        return ret;
    }

    /// <summary>SYNCOBJ_CREATE that must succeed.</summary>
    public static uint CreateSyncobj(this DrmHarness h, uint flags = 0)
    {
        Assert.Equal(0, h.CreateSyncobj(flags, out uint handle));
        return handle;
    }

    /// <summary>SYNCOBJ_DESTROY.</summary>
    public static int DestroySyncobj(this DrmHarness h, uint handle, uint pad = 0)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgBuffer a = DrmHarness.Arg(DestroySize);
        a.SetU32(0, handle);
        a.SetU32(4, pad);
        return h.Ioctl(Requests.SyncobjDestroy, a);
    }

    /// <summary>SYNCOBJ_HANDLE_TO_FD; the new fd in <paramref name="fd"/>.</summary>
    public static int HandleToFd(this DrmHarness h, uint handle, uint flags, out int fd, uint pad = 0)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgBuffer a = DrmHarness.Arg(HandleSize);
        a.SetU32(HandleHandle, handle);
        a.SetU32(HandleFlags, flags);
        a.SetS32(HandleFd, -1);
        a.SetU32(HandlePad, pad);
        int ret = h.Ioctl(Requests.SyncobjHandleToFd, a);
        fd = a.S32(HandleFd);
        return ret;
    }

    /// <summary>SYNCOBJ_FD_TO_HANDLE; the handle (new, or the one given with IMPORT_SYNC_FILE) in <paramref name="handle"/>.</summary>
    public static int FdToHandle(this DrmHarness h, int fd, uint flags, ref uint handle, uint pad = 0)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgBuffer a = DrmHarness.Arg(HandleSize);
        a.SetU32(HandleHandle, handle);
        a.SetU32(HandleFlags, flags);
        a.SetS32(HandleFd, fd);
        a.SetU32(HandlePad, pad);
        int ret = h.Ioctl(Requests.SyncobjFdToHandle, a);
        handle = a.U32(HandleHandle);
        return ret;
    }

    /// <summary>SYNCOBJ_WAIT on <paramref name="handles"/> until the absolute <paramref name="timeoutNsec"/>.</summary>
    public static int SyncobjWait(this DrmHarness h, uint[] handles, long timeoutNsec, uint flags, out uint first)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(handles);
        ArgBuffer a = DrmHarness.Arg(WaitSize);
        a.SetU64(WaitHandles, handles.Length == 0 ? FakeCaller.Base : h.Caller.Put(Handles(handles)));
        a.SetS64(WaitTimeout, timeoutNsec);
        a.SetU32(WaitCount, (uint)handles.Length);
        a.SetU32(WaitFlags, flags);
        a.SetU32(WaitFirstSignaled, 0xdead);
        int ret = h.Ioctl(Requests.SyncobjWait, a);
        first = a.U32(WaitFirstSignaled);
        return ret;
    }

    /// <summary>An absolute CLOCK_MONOTONIC deadline <paramref name="fromNow"/> away.</summary>
    public static long Deadline(TimeSpan fromNow) => Driver.Drm.Syncobj.SyncobjWait.MonotonicNowNs() + (long)fromNow.TotalNanoseconds;

    /// <summary>SYNCOBJ_RESET or SYNCOBJ_SIGNAL (<paramref name="request"/>) on <paramref name="handles"/>.</summary>
    public static int SyncobjArray(this DrmHarness h, uint request, uint[] handles, uint pad = 0, ulong? pointer = null)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(handles);
        ArgBuffer a = DrmHarness.Arg(ArraySize);
        a.SetU64(ArrayHandles, pointer ?? (handles.Length == 0 ? FakeCaller.Base : h.Caller.Put(Handles(handles))));
        a.SetU32(ArrayCount, (uint)handles.Length);
        a.SetU32(ArrayPad, pad);
        return h.Ioctl(request, a);
    }

    /// <summary>SYNCOBJ_TIMELINE_WAIT on <paramref name="handles"/> at <paramref name="points"/> until the absolute <paramref name="timeoutNsec"/>.</summary>
    public static int TimelineWait(this DrmHarness h, uint[] handles, ulong[] points, long timeoutNsec, uint flags, out uint first, ulong? pointsPtr = null)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(handles);
        ArgumentNullException.ThrowIfNull(points);
        ArgBuffer a = DrmHarness.Arg(TimelineWaitSize);
        a.SetU64(TimelineWaitHandles, handles.Length == 0 ? FakeCaller.Base : h.Caller.Put(Handles(handles)));
        a.SetU64(TimelineWaitPoints, pointsPtr ?? h.Caller.Put(Points(points)));
        a.SetS64(TimelineWaitTimeout, timeoutNsec);
        a.SetU32(TimelineWaitCount, (uint)handles.Length);
        a.SetU32(TimelineWaitFlags, flags);
        a.SetU32(TimelineWaitFirstSignaled, 0xdead);
        int ret = h.Ioctl(Requests.SyncobjTimelineWait, a);
        first = a.U32(TimelineWaitFirstSignaled);
        return ret;
    }

    /// <summary>SYNCOBJ_TIMELINE_SIGNAL of <paramref name="handles"/> at <paramref name="points"/>.</summary>
    public static int TimelineSignal(this DrmHarness h, uint[] handles, ulong[] points, uint flags = 0, ulong? pointsPtr = null)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(handles);
        ArgumentNullException.ThrowIfNull(points);
        ArgBuffer a = DrmHarness.Arg(TimelineArraySize);
        a.SetU64(TimelineArrayHandles, handles.Length == 0 ? FakeCaller.Base : h.Caller.Put(Handles(handles)));
        a.SetU64(TimelineArrayPoints, pointsPtr ?? h.Caller.Put(Points(points)));
        a.SetU32(TimelineArrayCount, (uint)handles.Length);
        a.SetU32(TimelineArrayFlags, flags);
        return h.Ioctl(Requests.SyncobjTimelineSignal, a);
    }

    /// <summary>SYNCOBJ_QUERY of <paramref name="handles"/>; the points in <paramref name="points"/>.</summary>
    public static int Query(this DrmHarness h, uint[] handles, uint flags, out ulong[] points)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(handles);
        ArgBuffer a = DrmHarness.Arg(TimelineArraySize);
        ulong at = h.Caller.Alloc(Math.Max(8, handles.Length * 8));
        a.SetU64(TimelineArrayHandles, handles.Length == 0 ? FakeCaller.Base : h.Caller.Put(Handles(handles)));
        a.SetU64(TimelineArrayPoints, at);
        a.SetU32(TimelineArrayCount, (uint)handles.Length);
        a.SetU32(TimelineArrayFlags, flags);
        int ret = h.Ioctl(Requests.SyncobjQuery, a);
        points = [.. Enumerable.Range(0, handles.Length).Select(i => h.Caller.U64(at + ((ulong)i * 8)))];
        return ret;
    }

    /// <summary>The last signalled point of one syncobj (SYNCOBJ_QUERY that must succeed).</summary>
    public static ulong QueryPoint(this DrmHarness h, uint handle, uint flags = 0)
    {
        Assert.Equal(0, h.Query([handle], flags, out ulong[] points));
        return points[0];
    }

    /// <summary>SYNCOBJ_TRANSFER of <paramref name="src"/>'s <paramref name="srcPoint"/> to <paramref name="dst"/>'s <paramref name="dstPoint"/>.</summary>
    public static int Transfer(this DrmHarness h, uint src, ulong srcPoint, uint dst, ulong dstPoint, uint flags = 0, uint pad = 0)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgBuffer a = DrmHarness.Arg(TransferSize);
        a.SetU32(TransferSrcHandle, src);
        a.SetU32(TransferDstHandle, dst);
        a.SetU64(TransferSrcPoint, srcPoint);
        a.SetU64(TransferDstPoint, dstPoint);
        a.SetU32(TransferFlags, flags);
        a.SetU32(TransferPad, pad);
        return h.Ioctl(Requests.SyncobjTransfer, a);
    }

    /// <summary>The syncobj behind a handle of the harness's file.</summary>
    public static DrmSyncobj Syncobj(this DrmHarness h, uint handle)
    {
        ArgumentNullException.ThrowIfNull(h);
        return h.File.Syncobjs.Find(handle) ?? throw new InvalidOperationException($"no syncobj {handle}");
    }

    private static byte[] Handles(uint[] handles)
    {
        byte[] bytes = new byte[handles.Length * 4];
        Buffer.BlockCopy(handles, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static byte[] Points(ulong[] points)
    {
        byte[] bytes = new byte[Math.Max(8, points.Length * 8)];
        Buffer.BlockCopy(points, 0, bytes, 0, points.Length * 8);
        return bytes;
    }
}
