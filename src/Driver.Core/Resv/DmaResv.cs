using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Locking;

namespace Driver.Core.Resv;

/// <summary>
/// A reservation object (the kernel's struct dma_resv): the fences of everything that uses a buffer, each with a
/// <see cref="DmaResvUsage"/>, and the ww_mutex that serialises changes to them. Every buffer object has one.
/// </summary>
/// <remarks>
/// Writers (<see cref="ReserveFences"/>, <see cref="AddFence"/>) hold <see cref="Lock"/>. Readers
/// (<see cref="TestSignaled"/>, <see cref="WaitTimeout"/>, <see cref="GetFences"/>, GEM_BUSY/GEM_WAIT) take no lock,
/// like the kernel's RCU readers: the fence list is an immutable array, replaced whole under the lock and published
/// by a release write, so a reader sees one consistent list, old or new. Waiting never happens under the lock here:
/// execbuf adds the fences it must wait for as its request's in-fences, and i915's reset takes no reservation lock.
/// </remarks>
public sealed class DmaResv
{
    /// <summary>
    /// reservation_ww_class: the one ww class of every reservation object, wound-wait like the kernel's
    /// (DEFINE_WW_CLASS): the older transaction, which usually holds more, keeps its locks and makes the younger
    /// back off only when a real conflict arises, instead of every younger locker dying on contact with an older one.
    /// </summary>
    public static WwClass Class { get; } = new("reservation_ww_class");

    // The published list; replaced (never mutated) under Lock, read lock-free.
    private DmaResvFence[] _fences = [];

    // Slots made available by ReserveFences since the lock was taken (the kernel's max_fences, which debug builds
    // shrink back to num_fences at every unlock so that each locked section reserves what it adds). Under Lock.
    private int _maxFences;

    private static int s_nextId;

    /// <summary>Creates an empty reservation object (dma_resv_init).</summary>
    public DmaResv()
    {
        Lock = new WwMutex(Class);
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>A process-wide number, for reports ("dma_resv#7").</summary>
    public int Id { get; }

    /// <summary>What the buffer is called in reports (a scenario's buffer name), or null.</summary>
    public string? Label { get; set; }

    /// <summary>"dma_resv#ID" or "dma_resv#ID (label)".</summary>
    public string DisplayName => Label is null ? $"dma_resv#{Id}" : $"dma_resv#{Id} ({Label})";

    /// <summary>The reservation lock.</summary>
    public WwMutex Lock { get; }

    /// <summary>Number of fences in the list (signalled ones included until replaced).</summary>
    public int Count => Volatile.Read(ref _fences).Length;

    /// <summary>dma_resv_usage_rw: what a user must wait for, a writer (<c>true</c>) everything it reads, a reader only writers.</summary>
    public static DmaResvUsage UsageRw(bool write) => write ? DmaResvUsage.Read : DmaResvUsage.Write;

    /// <summary>dma_resv_lock: <see cref="WwMutex.Lock"/> of the reservation lock.</summary>
    public int LockResv(WwAcquireContext? ctx) => Lock.Lock(ctx);

    /// <summary>dma_resv_lock_interruptible.</summary>
    public int LockInterruptible(WwAcquireContext? ctx, CancellationToken cancel) => Lock.LockInterruptible(ctx, cancel);

    /// <summary>dma_resv_lock_slow.</summary>
    public void LockSlow(WwAcquireContext ctx) => Lock.LockSlow(ctx);

    /// <summary>dma_resv_trylock.</summary>
    public bool TryLock() => Lock.TryLock();

    /// <summary>dma_resv_unlock: forgets unused reserved slots, then releases the lock.</summary>
    public void Unlock()
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "dma_resv_unlock of a reservation this thread does not hold");
        // dma_resv_reset_max_fences: the next locked section must reserve again.
        _maxFences = _fences.Length;
        Lock.Unlock();
    }

    /// <summary>
    /// dma_resv_reserve_fences: makes room for <paramref name="num"/> more fences before <see cref="AddFence"/>;
    /// the caller holds the lock. 0 (the kernel's -ENOMEM cannot happen here), -EINVAL for a negative count.
    /// </summary>
    public int ReserveFences(int num)
    {
        AssertHeld();
        if (num < 0)
        {
            return -Errno.EINVAL;
        }

        _maxFences = Math.Max(_maxFences, _fences.Length + num);
        return 0;
    }

    /// <summary>
    /// dma_resv_add_fence: adds <paramref name="fence"/> with <paramref name="usage"/>; the caller holds the lock and
    /// reserved a slot. It replaces a signalled fence, or a fence of the same fence context that is not later and
    /// whose usage is at least as strong-waited-for as the old one (old usage &gt;= new: a WRITE fence is not
    /// replaced by a READ fence of its context, or the write would be forgotten). Containers (merged fences) are
    /// not added: add their members.
    /// </summary>
    public void AddFence(DmaFence fence, DmaResvUsage usage)
    {
        ArgumentNullException.ThrowIfNull(fence);
        AssertHeld();
        Debug.Assert(fence is not MergedFence, "dma_resv_add_fence of a container fence: add its members instead");
        DmaResvFence[] old = _fences;
        for (int i = 0; i < old.Length; i++)
        {
            DmaResvFence entry = old[i];
            if ((SameContext(entry.Fence, fence) && entry.Usage >= usage && IsLaterOrSame(fence, entry.Fence))
                || entry.Fence.IsSignaled)
            {
                var replaced = (DmaResvFence[])old.Clone();
                replaced[i] = new DmaResvFence(fence, usage);
                Volatile.Write(ref _fences, replaced);
                return;
            }
        }

        Debug.Assert(old.Length < _maxFences, "dma_resv_add_fence without a slot from dma_resv_reserve_fences");
        var grown = new DmaResvFence[old.Length + 1];
        old.CopyTo(grown, 0);
        grown[^1] = new DmaResvFence(fence, usage);
        Volatile.Write(ref _fences, grown);
    }

    /// <summary>
    /// The entries of usage <paramref name="usage"/> or before (dma_resv_for_each_fence / dma_resv_iter). Under the
    /// lock it is exact; without it, a snapshot. <paramref name="skipSignaled"/> leaves out signalled fences, as the
    /// unlocked iterator does.
    /// </summary>
    public IEnumerable<DmaResvFence> Fences(DmaResvUsage usage, bool skipSignaled = false)
    {
        DmaResvFence[] list = Volatile.Read(ref _fences);
        foreach (DmaResvFence entry in list)
        {
            if (entry.Usage <= usage && !(skipSignaled && entry.Fence.IsSignaled))
            {
                yield return entry;
            }
        }
    }

    /// <summary>dma_resv_get_fences: the unsignalled fences of usage <paramref name="usage"/> or before, each once.</summary>
    public List<DmaFence> GetFences(DmaResvUsage usage)
    {
        var fences = new List<DmaFence>();
        foreach (DmaResvFence entry in Fences(usage, skipSignaled: true))
        {
            if (!fences.Contains(entry.Fence))
            {
                fences.Add(entry.Fence);
            }
        }

        return fences;
    }

    /// <summary>
    /// The unsignalled fences of <paramref name="usage"/> as one fence: null when idle, the fence itself when there
    /// is one, else a merged fence (dma_resv_get_singleton).
    /// </summary>
    public DmaFence? GetSingleton(DmaResvUsage usage)
    {
        List<DmaFence> fences = GetFences(usage);
        return fences.Count switch
        {
            0 => null,
            1 => fences[0],
            _ => new MergedFence(fences),
        };
    }

    /// <summary>dma_resv_test_signaled: whether every fence of usage <paramref name="usage"/> or before has signalled.</summary>
    public bool TestSignaled(DmaResvUsage usage)
    {
        foreach (DmaResvFence entry in Volatile.Read(ref _fences))
        {
            if (entry.Usage <= usage && !entry.Fence.IsSignaled)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// dma_resv_wait_timeout: waits for every fence of usage <paramref name="usage"/> or before, at most
    /// <paramref name="timeoutNs"/> in all (negative: no bound). Returns the time left in nanoseconds, at least 1
    /// when everything signalled (1 for a zero timeout that found it idle, <see cref="long.MaxValue"/> without a
    /// bound); 0 when the time ran out; -EINTR when <paramref name="cancel"/> fired (interruptible wait). Takes no
    /// lock, so the caller must not hold one that the fences' signallers need.
    /// </summary>
    public long WaitTimeout(DmaResvUsage usage, long timeoutNs, CancellationToken cancel = default)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (DmaResvFence entry in Fences(usage, skipSignaled: true))
        {
            if (cancel.IsCancellationRequested)
            {
                return -Errno.EINTR;
            }

            TimeSpan left = Timeout.InfiniteTimeSpan;
            if (timeoutNs >= 0)
            {
                long remaining = timeoutNs - (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                if (remaining <= 0)
                {
                    return 0;
                }

                left = TimeSpan.FromTicks(Math.Max(1, remaining / 100));
            }

            if (!WaitOne(entry.Fence, left, cancel, out bool interrupted))
            {
                return interrupted ? -Errno.EINTR : 0;
            }
        }

        if (timeoutNs < 0)
        {
            return long.MaxValue;
        }

        return Math.Max(1, timeoutNs - (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{DisplayName} ({Count} fences)";

    private static bool WaitOne(DmaFence fence, TimeSpan timeout, CancellationToken cancel, out bool interrupted)
    {
        interrupted = false;
        if (!cancel.CanBeCanceled)
        {
            return fence.Wait(timeout);
        }

        try
        {
            return fence.WaitAsync(timeout, cancel).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            interrupted = true;
            return false;
        }
    }

    // dma_fence contexts: 0 is "no context" here (fences built without one), never taken for a sibling.
    private static bool SameContext(DmaFence a, DmaFence b) => a.FenceContext != 0 && a.FenceContext == b.FenceContext;

    // dma_fence_is_later_or_same, seqnos compared with wrap-around like __dma_fence_is_later.
    private static bool IsLaterOrSame(DmaFence fence, DmaFence old) =>
        ReferenceEquals(fence, old) || (int)(fence.Seqno - old.Seqno) >= 0;

    [Conditional("DEBUG")]
    private void AssertHeld() =>
        Debug.Assert(Lock.IsHeldByCurrentThread, "dma_resv changed without holding its lock (dma_resv_assert_held)");
}
