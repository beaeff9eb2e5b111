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
}
