using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Core.Resv;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// GEM_SET_DOMAIN (i915_gem_set_domain_ioctl): waits until object <paramref name="handle"/> may be accessed by the
    /// CPU — for writing (<paramref name="write"/>) every READ-and-before fence, for reading the WRITE-and-before ones
    /// — at most <paramref name="timeoutNs"/> (negative: no bound). How it waits is the device's
    /// <see cref="DeviceConfig.ResetLockingRule"/>: i915's waits holding the object's reservation lock
    /// (i915_gem_object_lock, then i915_gem_object_set_to_gtt_domain → i915_gem_object_wait); amdgpu's waits with no
    /// lock held (amdgpu_gem_wait_idle_ioctl's dma_resv_wait_timeout). Returns 0 once idle, whatever the fences'
    /// errors; -ETIME when the bound ran out; -EDEADLK when the deadlock watchdog broke the wait
    /// (<see cref="ResvDeadlockWatchdog"/>); -ENOENT for an unknown client or handle.
    /// </summary>
    public int SetDomain(int clientId, int handle, bool write, long timeoutNs = -1)
    {
        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            DmaResv resv = bo.Resv;
            if (Config.ResetLockingRule == ResetLockingRule.Amdgpu)
            {
                return WaitResv(resv, write, timeoutNs, held: []);
            }

            resv.LockResv(null);
            try
            {
                // i915_gem_object_wait may wait on any fence of the object here, with its reservation locked: the
                // validator learns dma_resv → dma_fence_map even when the object happens to be idle, as it would
                // the first time a fence is pending.
                Lockdep.MightWaitOnFence();
                return WaitResv(resv, write, timeoutNs, held: [resv]);
            }
            finally
            {
                resv.Unlock();
            }
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Whether <paramref name="fence"/> is one of this device's requests: what its recovery signals (the deadlock
    /// watchdog's edge from a fence waiter to a blocked reset).
    /// </summary>
    public bool OwnsFence(DmaFence fence)
    {
        if (fence is not Request rq)
        {
            return false;
        }

        using (_clientsLock.Acquire())
        {
            foreach (Client c in _clients.Values)
            {
                if (ReferenceEquals(c, rq.Context.Client))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Waits for each unsignalled fence <paramref name="write"/> access must wait for, registered in
    /// <see cref="ResvWaits"/> with the reservations <paramref name="held"/> so the watchdog can see and break it.
    /// </summary>
    private int WaitResv(DmaResv resv, bool write, long timeoutNs, DmaResv[] held)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        string function = held.Length > 0 ? "i915_gem_object_wait" : "dma_resv_wait_timeout";
        foreach (DmaFence fence in resv.GetFences(DmaResv.UsageRw(write)))
        {
            TimeSpan left = Timeout.InfiniteTimeSpan;
            if (timeoutNs >= 0)
            {
                long remaining = timeoutNs - (long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                if (remaining <= 0)
                {
                    return -Errno.ETIME;
                }

                left = TimeSpan.FromTicks(Math.Max(1, remaining / 100));
            }

            using var breaker = new CancellationTokenSource();
            using ResvWaitScope wait = ResvWaits.WaitingOnFence(Config.Name, function, held, fence, breaker);
            try
            {
                if (!fence.WaitAsync(left, breaker.Token).GetAwaiter().GetResult())
                {
                    return -Errno.ETIME;
                }
            }
            catch (OperationCanceledException)
            {
                return wait.Wait!.BrokenWith;
            }
        }

        return 0;
    }

    /// <summary>
    /// amdgpu_device_evict_resources under the amdgpu rule (<see cref="Reset.Recovery.GtReset.EvictResources"/>): inside the reset's
    /// signalling section, every buffer this device shares (its exports and imports) is locked, one at a time as TTM's
    /// eviction does, and its GGTT binding re-validated. Each lock wait is registered, so that when another thread
    /// holds the lock the deadlock watchdog knows this thread must signal this device's fences.
    /// </summary>
    private void EvictResources(uint engineMask)
    {
        var shared = new List<BufferObject>();
        shared.AddRange(_exports.Keys);
        shared.AddRange(_imports.Keys);
        foreach (BufferObject bo in shared.DistinctBy(b => b.Resv).OrderBy(b => b.Resv.Id))
        {
            // Registered before blocking (the reset is a slow path): if the lock is held, the watchdog sees who by.
            using (ResvWaits.WaitingForLock(Config.Name, "amdgpu_device_evict_resources", bo.Resv, OwnsFence))
            {
                bo.Resv.LockResv(null);
            }

            try
            {
                Gt.Ggtt.RefreshPtes(bo);
            }
            finally
            {
                bo.Resv.Unlock();
            }
        }
    }
}
