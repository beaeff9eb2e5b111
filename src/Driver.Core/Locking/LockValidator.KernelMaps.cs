namespace Driver.Core.Locking;

/// <summary>
/// The kernel's hidden contexts as pseudo locks (<see cref="LockdepMap"/>), one set per validator, and their
/// priming (dma_resv_lockdep): the orderings the rest of the kernel establishes, recorded once at startup so that
/// the driver's first wrong ordering is reported on its own, not only when some other path happens to run.
/// </summary>
public sealed partial class LockValidator
{
    /// <summary>Class name of the mm's mmap_lock (mmap_sem before 5.8): held for read across a page fault.</summary>
    public const string MmapLockClassName = "&mm->mmap_lock";

    /// <summary>Class name of address_space->i_mmap_rwsem: taken by unmap_mapping_range to revoke mappings.</summary>
    public const string IMmapRwsemClassName = "&mapping->i_mmap_rwsem";

    /// <summary>Class name of the reclaim pseudo lock (fs_reclaim_acquire): entered by an allocation that may reclaim.</summary>
    public const string FsReclaimClassName = "fs_reclaim";

    /// <summary>Class name of cpu_hotplug_lock: taken for read by stop_machine (cpus_read_lock).</summary>
    public const string CpuHotplugLockClassName = "cpu_hotplug_lock";

    /// <summary>Class name of the mmu-notifier invalidation pseudo lock (__mmu_notifier_invalidate_range_start_map).</summary>
    public const string MmuNotifierClassName = "mmu_notifier_invalidate_range_start";

    private LockdepMap? _mmapLock;
    private LockdepMap? _iMmapRwsem;
    private LockdepMap? _fsReclaim;
    private LockdepMap? _cpuHotplugLock;
    private LockdepMap? _mmuNotifier;
    private int _primed;

    /// <summary>mmap_lock: held for read by the fault path; might_fault on CPU accesses through a mapping.</summary>
    public LockdepMap MmapLock => Map(ref _mmapLock, MmapLockClassName);

    /// <summary>i_mmap_rwsem: held for write while revoking (zapping) the mappings of an object.</summary>
    public LockdepMap IMmapRwsem => Map(ref _iMmapRwsem, IMmapRwsemClassName);

    /// <summary>fs_reclaim: entered (and left) by every allocation that may reclaim (GFP_KERNEL).</summary>
    public LockdepMap FsReclaim => Map(ref _fsReclaim, FsReclaimClassName);

    /// <summary>cpu_hotplug_lock: stop_machine takes it for read around stopping every CPU.</summary>
    public LockdepMap CpuHotplugLock => Map(ref _cpuHotplugLock, CpuHotplugLockClassName);

    /// <summary>The mmu-notifier invalidation context, entered under i_mmap_rwsem by every zap.</summary>
    public LockdepMap MmuNotifier => Map(ref _mmuNotifier, MmuNotifierClassName);

    /// <summary>True once <see cref="PrimeKernelMaps"/> recorded the kernel's orderings.</summary>
    public bool IsPrimed => Volatile.Read(ref _primed) != 0;

    /// <summary>
    /// dma_resv_lockdep (a core initcall in the kernel): records, once, the orderings the kernel establishes between
    /// its hidden contexts and dma_fence_map: a fault (mmap_lock) may allocate (fs_reclaim); reclaim may wait on a
    /// fence (shrinkers and mmu notifiers of GPU objects do) and revokes mappings (i_mmap_rwsem); a revoke runs the
    /// mmu notifiers, which may wait on fences (userptr). So a fence-signalling section must not allocate, fault or
    /// revoke. Runs on the calling thread, only while enabled; later calls do nothing.
    /// </summary>
    public void PrimeKernelMaps()
    {
        if (!Enabled || Interlocked.Exchange(ref _primed, 1) != 0)
        {
            return;
        }

        MmapLock.AcquireRead();
        FsReclaim.Acquire();
        IMmapRwsem.Acquire();
        MmuNotifier.Acquire();
        MightWaitOnFence();
        MmuNotifier.Release();
        IMmapRwsem.Release();
        MightWaitOnFence();
        FsReclaim.Release();
        MmapLock.Release();
    }

    /// <summary>The map in <paramref name="slot"/>, created once: every caller gets the same instance (releases match on it).</summary>
    private LockdepMap Map(ref LockdepMap? slot, string className)
    {
        LockdepMap? map = Volatile.Read(ref slot);
        if (map is not null)
        {
            return map;
        }

        var created = new LockdepMap(Class(className));
        return Interlocked.CompareExchange(ref slot, created, null) ?? created;
    }

    /// <summary>
    /// might_alloc(GFP_KERNEL): the calling path allocates memory and may enter reclaim (fs_reclaim_acquire +
    /// fs_reclaim_release), which may wait on fences: inside a signalling section, or with a lock held that a
    /// signalling section takes, that is a deadlock the kernel reports.
    /// </summary>
    public void MightAlloc() => FsReclaim.MightLock();
}
