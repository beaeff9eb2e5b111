using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// The kernel's hidden contexts as pseudo locks (mmap_lock, i_mmap_rwsem, fs_reclaim, cpu_hotplug_lock), primed as
/// dma_resv_lockdep() does: for each, the bad ordering is reported and the good one is silent.
/// </summary>
public sealed class PseudoLockTests
{
    private static LockValidator Primed()
    {
        var v = new LockValidator { Enabled = true };
        v.PrimeKernelMaps();
        Assert.Empty(v.Reports);
        return v;
    }

    /// <summary>dma_resv_lockdep: priming alone reports nothing and records fs_reclaim → dma_fence_map.</summary>
    [Fact]
    public void Priming_IsSilent_AndMakesReclaimInSignallingReported()
    {
        LockValidator v = Primed();

        bool cookie = v.BeginSignalling();
        v.MightAlloc(); // a GFP_KERNEL allocation inside a signalling section
        v.EndSignalling(cookie);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains(LockValidator.FsReclaimClassName, report.Chain);
        Assert.Contains(LockValidator.FenceMapClassName, report.Chain);
    }

    /// <summary>fs_reclaim: allocating under a lock that a signalling section also takes closes lock → reclaim → fence.</summary>
    [Fact]
    public void AllocUnderLockTakenInSignallingSection_IsReported()
    {
        LockValidator v = Primed();
        var tl = new DriverMutex(v.Class("&tl->mutex"));

        // __i915_request_create: the request is allocated under the timeline mutex.
        using (tl.Acquire())
        {
            v.MightAlloc();
        }

        Assert.Empty(v.Reports);
        bool cookie = v.BeginSignalling();
        using (tl.Acquire())
        {
        }

        v.EndSignalling(cookie);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(3, report.Chain.Count);
        Assert.Contains("&tl->mutex", report.Chain);
        Assert.Contains(LockValidator.FsReclaimClassName, report.Chain);
    }

    /// <summary>fs_reclaim: allocating under a lock no signalling section takes is fine, and so is waiting on a fence in reclaim.</summary>
    [Fact]
    public void AllocUnderPlainLock_IsSilent()
    {
        LockValidator v = Primed();
        var tl = new DriverMutex(v.Class("&tl->mutex"));

        using (tl.Acquire())
        {
            v.MightAlloc();
            v.MightWaitOnFence();
        }

        using (v.FsReclaim.Hold())
        {
            v.MightWaitOnFence(); // a shrinker waiting for an idle object
        }

        Assert.Empty(v.Reports);
    }

    /// <summary>mmap_lock: a fault inside a signalling section (a reset touching user memory) is reported.</summary>
    [Fact]
    public void FaultInsideSignallingSection_IsReported()
    {
        LockValidator v = Primed();

        bool cookie = v.BeginSignalling();
        using (v.MmapLock.HoldRead())
        {
        }

        v.EndSignalling(cookie);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains(LockValidator.MmapLockClassName, report.Chain);
    }

    /// <summary>mmap_lock: the fault path taking driver locks, allocating and waiting on fences is the normal order.</summary>
    [Fact]
    public void FaultPathTakingDriverLocks_IsSilent()
    {
        LockValidator v = Primed();
        var mmapMutex = new DriverMutex(v.Class("i915->mmap_lock"));

        using (v.MmapLock.HoldRead())
        using (mmapMutex.Acquire())
        {
            v.MightAlloc();
            v.MightWaitOnFence(); // i915_vma_pin_fence may wait for the previous user of the register
        }

        v.MmapLock.MightLockRead(); // might_fault of a later CPU access
        Assert.Empty(v.Reports);
    }

    /// <summary>
    /// i_mmap_rwsem: revoking mmaps inside a signalling section is reported (intel_gt_reset: "Revoking cpu mmap ptes
    /// cannot be done from a dma_fence critical section like gpu reset").
    /// </summary>
    [Fact]
    public void RevokeInsideSignallingSection_IsReported()
    {
        LockValidator v = Primed();

        bool cookie = v.BeginSignalling();
        using (v.IMmapRwsem.HoldRead())
        using (v.MmuNotifier.Hold())
        {
        }

        v.EndSignalling(cookie);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains(LockValidator.IMmapRwsemClassName, report.Chain);
    }

    /// <summary>i_mmap_rwsem: the revoke before the signalling section (gt_revoke under BACKOFF) is silent.</summary>
    [Fact]
    public void RevokeBeforeSignallingSection_IsSilent()
    {
        LockValidator v = Primed();
        var resetMutex = new DriverMutex(v.Class("gt->reset.mutex"));

        using (v.IMmapRwsem.HoldRead())
        using (v.MmuNotifier.Hold())
        {
            v.MightWaitOnFence(); // a userptr notifier waiting for the GPU
        }

        bool cookie = v.BeginSignalling();
        using (resetMutex.Acquire())
        {
        }

        v.EndSignalling(cookie);
        Assert.Empty(v.Reports);
    }

    /// <summary>
    /// cpu_hotplug_lock: the 2018 chain, cpu_hotplug_lock → mmap_lock (a perf-like reader) → reset lock →
    /// cpu_hotplug_lock (stop_machine under the reset), is reported even though every hold of the hotplug lock is a read.
    /// </summary>
    [Fact]
    public void StopMachineUnderLockTakenUnderMmapLock_IsReported()
    {
        LockValidator v = Primed();
        var struct_mutex = new DriverMutex(v.Class("&dev->struct_mutex"));

        TestThread.Run("perf", () =>
        {
            using (v.CpuHotplugLock.HoldRead())
            using (v.MmapLock.HoldRead())
            {
            }
        });
        TestThread.Run("fault", () =>
        {
            using (v.MmapLock.HoldRead())
            using (struct_mutex.Acquire())
            {
            }
        });
        Assert.Empty(v.Reports);
        TestThread.Run("reset", () =>
        {
            using (struct_mutex.Acquire())
            using (v.CpuHotplugLock.HoldRead()) // stop_machine → cpus_read_lock
            {
            }
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(3, report.Chain.Count);
        Assert.Contains(LockValidator.CpuHotplugLockClassName, report.Chain);
        Assert.Contains(LockValidator.MmapLockClassName, report.Chain);
    }

    /// <summary>cpu_hotplug_lock: stop_machine under a lock no mmap_lock holder takes is silent.</summary>
    [Fact]
    public void StopMachineUnderUnrelatedLock_IsSilent()
    {
        LockValidator v = Primed();
        var resetMutex = new DriverMutex(v.Class("gt->reset.mutex"));

        using (v.CpuHotplugLock.HoldRead())
        using (v.MmapLock.HoldRead())
        {
        }

        using (resetMutex.Acquire())
        using (v.CpuHotplugLock.HoldRead())
        {
        }

        Assert.Empty(v.Reports);
    }

    /// <summary>A map released without a hold is a bad unlock, like any lock.</summary>
    [Fact]
    public void ReleaseWithoutHold_IsBadUnlock()
    {
        var v = new LockValidator { Enabled = true };

        v.FsReclaim.Release();

        Assert.Equal(LockdepReportKind.BadUnlockBalance, Assert.Single(v.Reports).Kind);
    }

    /// <summary>Off, a map records nothing, and priming waits for the validator to be on.</summary>
    [Fact]
    public void Disabled_RecordsNothing()
    {
        var v = new LockValidator();
        v.PrimeKernelMaps();
        Assert.False(v.IsPrimed);

        bool cookie = v.BeginSignalling();
        v.MightAlloc();
        using (v.MmapLock.HoldRead())
        {
        }

        v.EndSignalling(cookie);
        Assert.Empty(v.Reports);
    }
}
