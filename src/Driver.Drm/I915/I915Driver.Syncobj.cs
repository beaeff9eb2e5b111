using Driver.Core.Errors;
using Driver.Core.Fences;
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
    /// timelines only); no handles is 0 at once; drm_syncobj_array_find's -EFAULT and -ENOENT; then the wait up to
    /// the absolute timeout (drm_syncobj_array_wait_timeout: -EINVAL, -ETIME, -EINTR) and first_signaled.
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
            // Nothing to wait for: done, nothing looked up or written (IGT syncobj_wait@invalid-wait-zero-handles).
            return 0;
        }

        int ret = FindSyncobjArray(c, c.Arg.U64(WaitHandles), count, out DrmSyncobj[] syncobjs);
        if (ret != 0)
        {
            return ret;
        }

        long timeout = SyncobjWait.AbsToRelativeNs(c.Arg.S64(WaitTimeout));
        ret = SyncobjWait.Wait(syncobjs, null, flags, timeout, c.Caller.SignalPending, out uint first);
        if (ret != 0)
        {
            return ret;
        }

        c.Arg.SetU32(WaitFirstSignaled, first);
        return 0;
    }

    /// <summary>
    /// drm_syncobj_timeline_wait_ioctl: -EINVAL for flags beyond WAIT_ALL|WAIT_FOR_SUBMIT|WAIT_AVAILABLE|WAIT_DEADLINE;
    /// no handles is 0 at once; drm_syncobj_array_find's -EFAULT and -ENOENT; the points (NULL: all 0, else -EFAULT);
    /// then
    /// drm_syncobj_array_wait_timeout on each syncobj's point (-EINVAL, -ETIME, -EINTR) and first_signaled.
    /// </summary>
    private static int SyncobjTimelineWait(IoctlCall c)
    {
        uint flags = c.Arg.U32(TimelineWaitFlags);
        if ((flags & ~(SyncobjWait.WaitAll | SyncobjWait.WaitForSubmit | SyncobjWait.WaitAvailable | WaitDeadline)) != 0)
        {
            return -Errno.EINVAL;
        }

        uint count = c.Arg.U32(TimelineWaitCount);
        if (count == 0)
        {
            // Nothing to wait for: done (IGT syncobj_timeline@wait-zero-handles).
            return 0;
        }

        int ret = FindSyncobjArray(c, c.Arg.U64(TimelineWaitHandles), count, out DrmSyncobj[] syncobjs);
        if (ret != 0 || (ret = ReadPoints(c, c.Arg.U64(TimelineWaitPoints), count, out ulong[] points)) != 0)
        {
            return ret;
        }

        long timeout = SyncobjWait.AbsToRelativeNs(c.Arg.S64(TimelineWaitTimeout));
        ret = SyncobjWait.Wait(syncobjs, points, flags, timeout, c.Caller.SignalPending, out uint first);
        if (ret != 0)
        {
            return ret;
        }

        c.Arg.SetU32(TimelineWaitFirstSignaled, first);
        return 0;
    }

    /// <summary>
    /// drm_syncobj_query_ioctl: -EINVAL for flags beyond LAST_SUBMITTED or no handles; drm_syncobj_array_find's
    /// -EFAULT, -ENOENT; each syncobj's point written to points[i] (-EFAULT, stopping there): 0 for a fence that is
    /// no chain (or none); with LAST_SUBMITTED the head's point; else the last signalled point — walking the head's
    /// context back to its oldest node still held, that node's point when it signalled, else the point before it.
    /// </summary>
    private static int SyncobjQuery(IoctlCall c)
    {
        uint flags = c.Arg.U32(TimelineArrayFlags);
        if ((flags & ~QueryLastSubmitted) != 0)
        {
            return -Errno.EINVAL;
        }

        uint count = c.Arg.U32(TimelineArrayCount);
        if (count == 0)
        {
            return -Errno.EINVAL;
        }

        int ret = FindSyncobjArray(c, c.Arg.U64(TimelineArrayHandles), count, out DrmSyncobj[] syncobjs);
        if (ret != 0)
        {
            return ret;
        }

        ulong points = c.Arg.U64(TimelineArrayPoints);
        Span<byte> bytes = stackalloc byte[8];
        for (int i = 0; i < count; i++)
        {
            ulong point = 0;
            if (syncobjs[i].Fence is DmaFenceChain head)
            {
                if ((flags & QueryLastSubmitted) != 0)
                {
                    point = head.Point;
                }
                else
                {
                    DmaFenceChain last = head;
                    for (DmaFence? iter = head; iter is DmaFenceChain node && node.FenceContext == head.FenceContext; iter = DmaFenceChain.Walk(iter))
                    {
                        last = node;
                    }

                    point = last.IsSignaled ? last.Point : last.PrevSeqno;
                }
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, point);
            if (!c.Caller.TryWrite(points + ((ulong)i * 8), bytes))
            {
                return -Errno.EFAULT;
            }
        }

        return 0;
    }

    /// <summary>
    /// drm_syncobj_timeline_signal_ioctl: -EINVAL for flags or no handles; drm_syncobj_array_find's -EFAULT, -ENOENT;
    /// the points (NULL: all 0, else -EFAULT) read before any change; then each syncobj gets a signalled fence at its
    /// point (drm_syncobj_add_point of dma_fence_get_stub).
    /// </summary>
    private static int SyncobjTimelineSignal(IoctlCall c)
    {
        uint count = c.Arg.U32(TimelineArrayCount);
        if (c.Arg.U32(TimelineArrayFlags) != 0 || count == 0)
        {
            return -Errno.EINVAL;
        }

        int ret = FindSyncobjArray(c, c.Arg.U64(TimelineArrayHandles), count, out DrmSyncobj[] syncobjs);
        if (ret != 0 || (ret = ReadPoints(c, c.Arg.U64(TimelineArrayPoints), count, out ulong[] points)) != 0)
        {
            return ret;
        }

        for (int i = 0; i < count; i++)
        {
            syncobjs[i].AddPoint(DrmSyncobj.Stub(), points[i]);
        }

        return 0;
    }

    /// <summary>
    /// drm_syncobj_transfer_ioctl: -EINVAL for pad; the destination (-ENOENT), then the source's fence at src_point
    /// (drm_syncobj_find_fence: -EINVAL for flags beyond WAIT_FOR_SUBMIT, -ENOENT, -EINVAL when missing, or its
    /// wait's -ETIME/-EINTR); it becomes dst_point of the destination's timeline (drm_syncobj_transfer_to_timeline), or
    /// at dst_point 0 the destination's fence (drm_syncobj_transfer_to_binary).
    /// </summary>
    private static int SyncobjTransfer(IoctlCall c)
    {
        if (c.Arg.U32(TransferPad) != 0)
        {
            return -Errno.EINVAL;
        }

        if (c.File.Syncobjs.Find(c.Arg.U32(TransferDstHandle)) is not { } dst)
        {
            return -Errno.ENOENT;
        }

        uint flags = c.Arg.U32(TransferFlags);
        if ((flags & ~SyncobjWait.WaitForSubmit) != 0)
        {
            return -Errno.EINVAL;
        }

        if (c.File.Syncobjs.Find(c.Arg.U32(TransferSrcHandle)) is not { } src)
        {
            return -Errno.ENOENT;
        }

        int ret = SyncobjWait.FindFence(src, c.Arg.U64(TransferSrcPoint), flags, c.Caller.SignalPending, out DmaFence? fence);
        if (ret != 0)
        {
            return ret;
        }

        ulong dstPoint = c.Arg.U64(TransferDstPoint);
        if (dstPoint != 0)
        {
            dst.AddPoint(fence!, dstPoint);
        }
        else
        {
            dst.ReplaceFence(fence);
        }

        return 0;
    }

    /// <summary>
    /// The u64 points at <paramref name="points"/> (NULL: all 0); -ENOMEM past kmalloc's largest allocation
    /// (kmalloc_array(count, 8)), -EFAULT when unreadable.
    /// </summary>
    private static int ReadPoints(IoctlCall c, ulong points, uint count, out ulong[] values)
    {
        values = [];
        if ((ulong)count * 8 > KmallocMaxSize)
        {
            return -Errno.ENOMEM;
        }

        values = new ulong[count];
        if (points == 0)
        {
            return 0;
        }

        if (ArgBuffer.ReadUser(c.Caller, points, (int)count * 8) is not { } bytes)
        {
            return -Errno.EFAULT;
        }

        for (int i = 0; i < count; i++)
        {
            values[i] = bytes.U64(i * 8);
        }

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
    /// drm_syncobj_array_find: the u32 handles at <paramref name="handles"/> (-EFAULT), each looked up (-ENOENT); a
    /// count whose array kmalloc cannot give (past KMALLOC_MAX_SIZE) is -ENOMEM before anything is read.
    /// </summary>
    private static int FindSyncobjArray(IoctlCall c, ulong handles, uint count, out DrmSyncobj[] syncobjs)
    {
        syncobjs = [];
        if ((ulong)count * 4 > KmallocMaxSize)
        {
            return -Errno.ENOMEM;
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
