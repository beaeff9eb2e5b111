using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using static Driver.Drm.I915.Layout.SyncFileLayout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>
    /// sync_file_ioctl on a fence descriptor: -ENOTTY for a descriptor that is no sync_file or a request it does not
    /// know (the switch is on the whole request, size and direction included); MERGE, FILE_INFO, SET_DEADLINE.
    /// </summary>
    public int SyncFileIoctl(int fd, uint request, ulong argument, IDrmCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        DmaFence? fence = caller.GetSyncFileFence(fd);
        if (fence is null)
        {
            return -Errno.ENOTTY;
        }

        const uint Rw = DrmIoctl.DirRead | DrmIoctl.DirWrite;
        if (request == DrmIoctl.Encode(Rw, DrmIoctl.SyncType, DrmIoctl.SyncMerge, MergeSize))
        {
            return SyncMerge(fence, argument, caller);
        }

        if (request == DrmIoctl.Encode(Rw, DrmIoctl.SyncType, DrmIoctl.SyncFileInfo, InfoSize))
        {
            return SyncFileInfo(fence, argument, caller);
        }

        if (request == DrmIoctl.Encode(DrmIoctl.DirWrite, DrmIoctl.SyncType, DrmIoctl.SyncSetDeadline, SetDeadlineSize))
        {
            // sync_file_ioctl_set_deadline: -EFAULT, -EINVAL for pad; a deadline is only a hint GpuSim ignores.
            var d = ArgBuffer.ReadUser(caller, argument, SetDeadlineSize);
            return d is null ? -Errno.EFAULT : d.U64(8) != 0 ? -Errno.EINVAL : 0;
        }

        return -Errno.ENOTTY;
    }

    /// <summary>
    /// sync_file_ioctl_merge: -EFAULT; -EINVAL for flags or pad; -ENOENT when fd2 is no sync_file; the merged fence
    /// (dma_fence_unwrap_merge) gets a new descriptor, returned in data.fence.
    /// </summary>
    private static int SyncMerge(DmaFence fence, ulong argument, IDrmCaller caller)
    {
        var data = ArgBuffer.ReadUser(caller, argument, MergeSize);
        if (data is null)
        {
            return -Errno.EFAULT;
        }

        if (data.U32(MergeFlags) != 0 || data.U32(MergePad) != 0)
        {
            return -Errno.EINVAL;
        }

        DmaFence? fence2 = caller.GetSyncFileFence(data.S32(MergeFd2));
        if (fence2 is null)
        {
            return -Errno.ENOENT;
        }

        DmaFence merged = MergeFences(fence, fence2);
        // The name is NUL-terminated in place, as the kernel does before copying the struct back.
        data.Data[MergeName + 31] = 0;
        if (!data.WriteUser(caller, argument))
        {
            return -Errno.EFAULT;
        }

        return caller.InstallSyncFile(merged, argument + MergeFence);
    }

    /// <summary>
    /// dma_fence_unwrap_merge: the members of both, flattened (arrays and timeline chains, <see cref="Unwrap"/>); one
    /// per fence context, the later seqno kept; the
    /// signalled ones dropped. Nothing left: a signalled fence; one left: that fence; else an all-of fence.
    /// </summary>
    public static DmaFence MergeFences(DmaFence a, DmaFence b)
    {
        var byContext = new Dictionary<ulong, DmaFence>();
        var unnumbered = new List<DmaFence>();
        foreach (DmaFence f in Unwrap(a).Concat(Unwrap(b)))
        {
            if (f.IsSignaled)
            {
                continue;
            }

            if (f.FenceContext == 0)
            {
                if (!unnumbered.Contains(f))
                {
                    unnumbered.Add(f);
                }
            }
            else if (!byContext.TryGetValue(f.FenceContext, out DmaFence? had) || (int)(f.Seqno - had.Seqno) > 0)
            {
                byContext[f.FenceContext] = f;
            }
        }

        DmaFence[] left = [.. byContext.Values, .. unnumbered];
        return left.Length switch
        {
            0 => new MergedFence([]),
            1 => left[0],
            _ => new MergedFence(left),
        };
    }

    /// <summary>
    /// dma_fence_unwrap_for_each: the fences inside <paramref name="f"/> — an array's members, and for a timeline
    /// point (dma_fence_chain) each not yet collected node's own fence, walking back (dma_fence_chain_for_each) — so
    /// that a merge keeps every point's fence and FILE_INFO reports their errors (a chain signals without one).
    /// </summary>
    private static IEnumerable<DmaFence> Unwrap(DmaFence f) => f switch
    {
        MergedFence m => m.Members.SelectMany(Unwrap),
        DmaFenceChain => UnwrapChain(f),
        _ => [f],
    };

    private static IEnumerable<DmaFence> UnwrapChain(DmaFence head)
    {
        for (DmaFence? it = head; it is not null; it = DmaFenceChain.Walk(it))
        {
            foreach (DmaFence member in Unwrap(it is DmaFenceChain node ? node.Fence : it))
            {
                yield return member;
            }
        }
    }

    /// <summary>
    /// sync_file_ioctl_fence_info: -EFAULT; -EINVAL for flags or pad; num_fences 0 asks for the count and the
    /// file's status; fewer slots than fences is -EINVAL; else each fence's timeline, driver, status and signal
    /// time, the file's status the first error or 1 once all signalled (0 while any is pending).
    /// </summary>
    private static int SyncFileInfo(DmaFence fence, ulong argument, IDrmCaller caller)
    {
        var info = ArgBuffer.ReadUser(caller, argument, InfoSize);
        if (info is null)
        {
            return -Errno.EFAULT;
        }

        if (info.U32(InfoFlags) != 0 || info.U32(InfoPad) != 0)
        {
            return -Errno.EINVAL;
        }

        DmaFence[] fences = Unwrap(fence).ToArray();
        uint room = info.U32(InfoNumFences);
        if (room == 0)
        {
            info.SetS32(InfoStatus, fence.Status);
        }
        else
        {
            if (room < fences.Length)
            {
                return -Errno.EINVAL;
            }

            int status = 1;
            var list = new ArgBuffer(new byte[fences.Length * FenceInfoSize]);
            for (int i = 0; i < fences.Length; i++)
            {
                DmaFence f = fences[i];
                int at = i * FenceInfoSize;
                list.SetCString(at + FenceObjName, 32, TimelineName(f));
                list.SetCString(at + FenceDriverName, 32, f is Request ? DriverName : "gpusim");
                list.SetS32(at + FenceStatus, f.Status);
                long ts = f.SignalTimestamp;
                list.SetU64(at + FenceTimestamp, ts == 0 ? 0 : (ulong)(ts * (1_000_000_000.0 / Stopwatch.Frequency)));
                status = status <= 0 ? status : f.Status;
            }

            if (!list.WriteUser(caller, info.U64(InfoFences)))
            {
                return -Errno.EFAULT;
            }

            info.SetS32(InfoStatus, status);
        }

        info.SetCString(InfoName, 32, fences.Length == 1 ? $"{DriverName}-{TimelineName(fences[0])}" : "dma_fence_array");
        info.SetU32(InfoNumFences, (uint)fences.Length);
        return info.WriteUser(caller, argument) ? 0 : -Errno.EFAULT;
    }

    private static string TimelineName(DmaFence f) =>
        f is Request rq ? $"{rq.Engine.Name()}:{f.FenceContext}" : $"unbound:{f.FenceContext}";
}
