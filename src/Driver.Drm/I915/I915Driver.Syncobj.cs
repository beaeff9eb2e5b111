using Driver.Core.Errors;
using Driver.Drm.Syncobj;
using static Driver.Drm.I915.Layout.SyncobjLayout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>drm_syncobj_create_ioctl: -EINVAL for flags beyond CREATE_SIGNALED; a new handle, signalled if asked.</summary>
    private static int SyncobjCreate(IoctlCall c)
    {
        uint flags = c.Arg.U32(CreateFlags);
        if ((flags & ~CreateSignaled) != 0)
        {
            return -Errno.EINVAL;
        }

        var syncobj = new DrmSyncobj();
        if ((flags & CreateSignaled) != 0)
        {
            syncobj.AssignSignalled();
        }

        c.Arg.SetU32(CreateHandle, c.File.Syncobjs.Add(syncobj));
        return 0;
    }

    /// <summary>drm_syncobj_destroy_ioctl: -EINVAL for pad, drm_syncobj_destroy's -EINVAL for an unknown handle.</summary>
    private static int SyncobjDestroy(IoctlCall c)
    {
        if (c.Arg.U32(4) != 0)
        {
            return -Errno.EINVAL;
        }

        return c.File.Syncobjs.Remove(c.Arg.U32(0)) ? 0 : -Errno.EINVAL;
    }

    /// <summary>
    /// drm_syncobj_handle_to_fd_ioctl: -EINVAL for pad or flags beyond EXPORT_SYNC_FILE. EXPORT_SYNC_FILE
    /// (drm_syncobj_export_sync_file): -ENOENT for an unknown handle, -EINVAL when it holds no fence, else a
    /// sync_file of its fence. Otherwise (drm_syncobj_handle_to_fd): -EINVAL for an unknown handle, else an fd
    /// naming the syncobj itself. The fd goes to args.fd.
    /// </summary>
    private static int SyncobjHandleToFd(IoctlCall c)
    {
        uint flags = c.Arg.U32(HandleFlags);
        if (c.Arg.U32(HandlePad) != 0 || (flags & ~ExportSyncFile) != 0)
        {
            return -Errno.EINVAL;
        }

        DrmSyncobj? syncobj = c.File.Syncobjs.Find(c.Arg.U32(HandleHandle));
        if ((flags & ExportSyncFile) != 0)
        {
            if (syncobj is null)
            {
                return -Errno.ENOENT;
            }

            return syncobj.Fence is { } fence ? c.Caller.InstallSyncFile(fence, c.Argument + HandleFd) : -Errno.EINVAL;
        }

        return syncobj is null ? -Errno.EINVAL : c.Caller.InstallSyncobjFile(syncobj, c.Argument + HandleFd);
    }

    /// <summary>
    /// drm_syncobj_fd_to_handle_ioctl: -EINVAL for pad or flags beyond IMPORT_SYNC_FILE. IMPORT_SYNC_FILE
    /// (drm_syncobj_import_sync_file_fence): -EINVAL when fd is no sync_file, -ENOENT for an unknown handle, else the
    /// syncobj's fence becomes the sync_file's. Otherwise (drm_syncobj_fd_to_handle): -EINVAL when fd is no syncobj
    /// fd, else a new handle to that syncobj in args.handle.
    /// </summary>
    private static int SyncobjFdToHandle(IoctlCall c)
    {
        uint flags = c.Arg.U32(HandleFlags);
        if (c.Arg.U32(HandlePad) != 0 || (flags & ~ImportSyncFile) != 0)
        {
            return -Errno.EINVAL;
        }

        int fd = c.Arg.S32(HandleFd);
        if ((flags & ImportSyncFile) != 0)
        {
            if (c.Caller.GetSyncFileFence(fd) is not { } fence)
            {
                return -Errno.EINVAL;
            }

            if (c.File.Syncobjs.Find(c.Arg.U32(HandleHandle)) is not { } target)
            {
                return -Errno.ENOENT;
            }

            target.ReplaceFence(fence);
            return 0;
        }

        if (c.Caller.GetSyncobjFile(fd) is not { } syncobj)
        {
            return -Errno.EINVAL;
        }

        c.Arg.SetU32(HandleHandle, c.File.Syncobjs.Add(syncobj));
        return 0;
    }

    /// <summary>
    /// drm_syncobj_wait_ioctl: -EINVAL for flags beyond WAIT_ALL|WAIT_FOR_SUBMIT|WAIT_DEADLINE (WAIT_AVAILABLE is for
    /// timelines only) or no handles; drm_syncobj_array_find's -EFAULT and -ENOENT; then the wait up to the absolute
    /// timeout (drm_syncobj_array_wait_timeout: -EINVAL, -ETIME, -EINTR) and first_signaled.
    /// </summary>
    private static int SyncobjWaitIoctl(IoctlCall c)
    {
        uint flags = c.Arg.U32(WaitFlags);
        if ((flags & ~(SyncobjWait.WaitAll | SyncobjWait.WaitForSubmit | WaitDeadline)) != 0)
        {
            return -Errno.EINVAL;
        }

        uint count = c.Arg.U32(WaitCount);
        if (count == 0)
        {
            return -Errno.EINVAL;
        }

        int ret = FindSyncobjArray(c, c.Arg.U64(WaitHandles), count, out DrmSyncobj[] syncobjs);
        if (ret != 0)
        {
            return ret;
        }

        long timeout = SyncobjWait.AbsToRelativeNs(c.Arg.S64(WaitTimeout));
        ret = SyncobjWait.Wait(syncobjs, flags, timeout, c.Caller.SignalPending, out uint first);
        if (ret != 0)
        {
            return ret;
        }

        c.Arg.SetU32(WaitFirstSignaled, first);
        return 0;
    }

    /// <summary>
    /// drm_syncobj_reset_ioctl: -EINVAL for pad or no handles; drm_syncobj_array_find's -EFAULT, -ENOENT; every
    /// syncobj loses its fence.
    /// </summary>
    private static int SyncobjReset(IoctlCall c) => SyncobjArrayOp(c, static s => s.ReplaceFence(null));

    /// <summary>
    /// drm_syncobj_signal_ioctl: -EINVAL for pad or no handles; drm_syncobj_array_find's -EFAULT, -ENOENT; every
    /// syncobj gets a signalled fence (drm_syncobj_assign_null_handle).
    /// </summary>
    private static int SyncobjSignal(IoctlCall c) => SyncobjArrayOp(c, static s => s.AssignSignalled());

    private static int SyncobjArrayOp(IoctlCall c, Action<DrmSyncobj> op)
    {
        uint count = c.Arg.U32(ArrayCount);
        if (c.Arg.U32(ArrayPad) != 0 || count == 0)
        {
            return -Errno.EINVAL;
        }

        int ret = FindSyncobjArray(c, c.Arg.U64(ArrayHandles), count, out DrmSyncobj[] syncobjs);
        if (ret != 0)
        {
            return ret;
        }

        foreach (DrmSyncobj s in syncobjs)
        {
            op(s);
        }

        return 0;
    }

    /// <summary>
    /// drm_syncobj_array_find: the u32 handles at <paramref name="handles"/> (-EFAULT), each looked up (-ENOENT).
    /// </summary>
    private static int FindSyncobjArray(IoctlCall c, ulong handles, uint count, out DrmSyncobj[] syncobjs)
    {
        syncobjs = [];
        if (count > int.MaxValue / 4)
        {
            return -Errno.EFAULT;
        }

        var bytes = ArgBuffer.ReadUser(c.Caller, handles, (int)count * 4);
        if (bytes is null)
        {
            return -Errno.EFAULT;
        }

        var found = new DrmSyncobj[count];
        for (int i = 0; i < count; i++)
        {
            if (c.File.Syncobjs.Find(bytes.U32(i * 4)) is not { } s)
            {
                return -Errno.ENOENT;
            }

            found[i] = s;
        }

        syncobjs = found;
        return 0;
    }

}
