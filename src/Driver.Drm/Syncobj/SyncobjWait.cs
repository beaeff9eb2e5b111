using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Drm.Syncobj;

/// <summary>
/// drm_syncobj_array_wait_timeout and drm_timeout_abs_to_jiffies: SYNCOBJ_WAIT and SYNCOBJ_TIMELINE_WAIT over an array
/// of syncobjs; drm_syncobj_find_fence.
/// </summary>
public static class SyncobjWait
{
    /// <summary>DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL: every fence, not the first, ends the wait.</summary>
    public const uint WaitAll = 1 << 0;

    /// <summary>DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT: a syncobj without a fence is waited for until it gets one.</summary>
    public const uint WaitForSubmit = 1 << 1;

    /// <summary>DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE: a point having a fence, not its signal, ends the wait.</summary>
    public const uint WaitAvailable = 1 << 2;

    /// <summary>DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT: how long drm_syncobj_find_fence waits for a fence to appear.</summary>
    public const long WaitForSubmitTimeoutNs = 5_000_000_000;

    /// <summary>CLOCK_MONOTONIC now, in nanoseconds (the clock of the absolute timeouts; Stopwatch reads it on Linux).</summary>
    public static long MonotonicNowNs() => (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>
    /// drm_timeout_abs_to_jiffies: an absolute CLOCK_MONOTONIC deadline as the time left; 0 (or any time past) means
    /// do not wait at all.
    /// </summary>
    public static long AbsToRelativeNs(long timeoutNsec)
    {
        if (timeoutNsec <= 0)
        {
            return 0;
        }

        long left = timeoutNsec - MonotonicNowNs();
        return Math.Max(left, 0);
    }

    /// <summary>
    /// drm_syncobj_array_wait_timeout: waits up to <paramref name="timeoutNs"/> for the first (or, with WAIT_ALL, every)
    /// syncobj's fence at its point (<paramref name="points"/>, null: all 0, SYNCOBJ_WAIT) to signal — with
    /// WAIT_AVAILABLE only for the point to have a fence. Each fence is looked up when the wait starts
    /// (<see cref="DrmSyncobj.TryFindFence"/>); without WAIT_FOR_SUBMIT or WAIT_AVAILABLE one missing (no fence, or a
    /// point the timeline has not reached) is -EINVAL at once, with either the wait goes on until the point appears.
    /// Signalled already: 0 even with no time to wait; time out: -ETIME; a signal: -EINTR (-ERESTARTSYS).
    /// <paramref name="firstSignaled"/> is the index of the first signalled syncobj, ~0 when none was found signalled
    /// before the wait ended.
    /// </summary>
    public static int Wait(IReadOnlyList<DrmSyncobj> syncobjs, IReadOnlyList<ulong>? points, uint flags, long timeoutNs,
        CancellationToken signalPending, out uint firstSignaled) =>
        Wait(syncobjs, points, flags, timeoutNs, signalPending, out firstSignaled, new DmaFence?[syncobjs?.Count ?? 0]);

    /// <summary>
    /// <see cref="Wait(IReadOnlyList{DrmSyncobj}, IReadOnlyList{ulong}, uint, long, CancellationToken, out uint)"/>,
    /// leaving in <paramref name="fences"/> the fence found for each syncobj (null: none yet), as the kernel's wait
    /// entries hold them.
    /// </summary>
    private static int Wait(IReadOnlyList<DrmSyncobj> syncobjs, IReadOnlyList<ulong>? points, uint flags, long timeoutNs,
        CancellationToken signalPending, out uint firstSignaled, DmaFence?[] fences)
    {
        ArgumentNullException.ThrowIfNull(syncobjs);
        Debug.Assert(points is null || points.Count == syncobjs.Count, "one point per syncobj");
        Debug.Assert(fences.Length == syncobjs.Count, "one fence slot per syncobj");
        firstSignaled = ~0u;
        int n = syncobjs.Count;
        bool forSubmit = (flags & (WaitForSubmit | WaitAvailable)) != 0;
        bool available = (flags & WaitAvailable) != 0;
        bool all = (flags & WaitAll) != 0;
        // Set by any fence signalling or any syncobj getting a fence; the loop re-checks everything on each wake.
        // Not disposed: a fence callback racing with the removal below may still Set it (it then lives until GC).
        var wake = new ManualResetEventSlim(false);
        // syncobj_wait_syncobj_func: the fence a change installs is taken for its waiter as it is installed (the first
        // one holding the point), so a RESET or replace right after cannot hide it before the loop looks.
        var submitted = new DmaFence?[n];
        var changed = new Action<DrmSyncobj, DmaFence?>?[n];
        var hooked = new List<(DmaFence Fence, FenceCallback Callback)>();
        var seen = new HashSet<DmaFence>(ReferenceEqualityComparer.Instance);
        bool firstPass = true;
        try
        {
            for (int i = 0; i < n; i++)
            {
                // drm_syncobj_fence_add_wait registers before its second look, so no fence change is missed.
                if (forSubmit)
                {
                    int index = i;
                    ulong point = points?[i] ?? 0;
                    changed[i] = (_, installed) =>
                    {
                        if (DrmSyncobj.TryFindFenceIn(installed, point, out DmaFence? found))
                        {
                            Interlocked.CompareExchange(ref submitted[index], found ?? DrmSyncobj.Stub(), null);
                        }

                        wake.Set();
                    };
                    syncobjs[i].AddChangeWaiter(changed[i]!);
                }

                if (!syncobjs[i].TryFindFence(points?[i] ?? 0, out fences[i]) && !forSubmit)
                {
                    return -Errno.EINVAL;
                }
            }

            long deadline = timeoutNs >= long.MaxValue / 2 ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeoutNs * (Stopwatch.Frequency / 1e9));
            while (true)
            {
                wake.Reset();
                int signalled = 0;
                for (int i = 0; i < n; i++)
                {
                    if (fences[i] is null)
                    {
                        if (Volatile.Read(ref submitted[i]) is { } taken)
                        {
                            fences[i] = taken;
                        }
                        else if (syncobjs[i].TryFindFence(points?[i] ?? 0, out DmaFence? current))
                        {
                            fences[i] = current;
                        }
                    }

                    if (fences[i] is not { } f)
                    {
                        continue;
                    }

                    if (!available && !f.IsSignaled && seen.Add(f))
                    {
                        var cb = new ActionFenceCallback(_ => wake.Set());
                        if (f.AddCallback(cb))
                        {
                            hooked.Add((f, cb));
                        }
                    }

                    if (available || f.IsSignaled)
                    {
                        // The kernel notes the first signalled one before waiting, and after it only when not WAIT_ALL.
                        if (signalled++ == 0 && (firstPass || !all))
                        {
                            firstSignaled = (uint)i;
                        }
                    }
                }

                if ((all && signalled == n) || (!all && signalled > 0))
                {
                    return 0;
                }

                firstPass = false;

                long left = deadline == long.MaxValue ? long.MaxValue : deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    return -Errno.ETIME;
                }

                if (signalPending.IsCancellationRequested)
                {
                    return -Errno.EINTR;
                }

                int ms = left == long.MaxValue ? Timeout.Infinite
                    : (int)Math.Min(int.MaxValue - 1, Math.Ceiling(left * 1000.0 / Stopwatch.Frequency));
                try
                {
                    wake.Wait(ms, signalPending);
                }
                catch (OperationCanceledException)
                {
                    return -Errno.EINTR;
                }
            }
        }
        finally
        {
            foreach ((DmaFence f, FenceCallback cb) in hooked)
            {
                f.RemoveCallback(cb);
            }

            for (int i = 0; i < n; i++)
            {
                if (changed[i] is { } c)
                {
                    syncobjs[i].RemoveChangeWaiter(c);
                }
            }
        }
    }

    /// <summary>
    /// drm_syncobj_find_fence: the fence of <paramref name="syncobj"/> at <paramref name="point"/>
    /// (<see cref="DrmSyncobj.TryFindFence"/>). -EINVAL for flags beyond WAIT_FOR_SUBMIT; missing: -EINVAL, or with
    /// WAIT_FOR_SUBMIT a wait of up to DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT (5 s) for it to appear: -ETIME, a signal
    /// -EINTR (-ERESTARTSYS).
    /// </summary>
    public static int FindFence(DrmSyncobj syncobj, ulong point, uint flags, CancellationToken signalPending, out DmaFence? fence)
    {
        ArgumentNullException.ThrowIfNull(syncobj);
        fence = null;
        if ((flags & ~WaitForSubmit) != 0)
        {
            return -Errno.EINVAL;
        }

        if (syncobj.TryFindFence(point, out fence))
        {
            return 0;
        }

        if ((flags & WaitForSubmit) == 0)
        {
            return -Errno.EINVAL;
        }

        // The fence the wait found (taken as the syncobj got it), not a second look a RESET may have emptied.
        var found = new DmaFence?[1];
        int ret = Wait([syncobj], [point], WaitAvailable, WaitForSubmitTimeoutNs, signalPending, out _, found);
        if (ret != 0)
        {
            return ret;
        }

        fence = found[0];
        Debug.Assert(fence is not null, "WAIT_AVAILABLE ended with the point's fence");
        return 0;
    }
}
