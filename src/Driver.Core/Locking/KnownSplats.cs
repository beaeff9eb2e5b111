using Driver.Core.Resv;

namespace Driver.Core.Locking;

/// <summary>
/// The two deadlocks GpuSim models on purpose, as expectations on the default validator (<see cref="LockValidator.ExpectReports"/>)
/// for the tests and runs that combine the designs producing them; the driver never opens them.
/// </summary>
/// <remarks>
/// Lockdep is class-based: once a process has run both halves of one of these cycles — in one run or in two
/// unrelated tests — the cycle is in its graph, and whichever run adds the closing dependency gets the report. So an
/// expectation, once opened by the first run that uses one of the designs, stays open for the rest of the process (it
/// is that process's known splat); it absorbs only the cycle it names, every other report still counts.
/// </remarks>
public static class KnownSplats
{
    private static ExpectedReportScope? s_stopMachine;
    private static ExpectedReportScope? s_mixedRules;

    /// <summary>
    /// The 2018 splat: the stop-machine wedge's stop_machine() (cpus_read_lock) inside the reset, beside anything that
    /// holds cpu_hotplug_lock across a GTT fault (the stop-machine mmap policy's stopper runs its stop under
    /// cpu_hotplug_lock and its users fault inside the stop's region; a perf-like reader). Opened by the runs and tests
    /// that use the stop-machine wedge or the stop-machine mmap policy.
    /// </summary>
    public static ExpectedReportScope StopMachine2018() => LazyInitializer.EnsureInitialized(ref s_stopMachine, static () =>
        Lockdep.Default.ExpectReports(IsStopMachine2018, "the 2018 stop_machine splat: the stop-machine wedge beside the stop-machine mmap policy"));

    /// <summary>
    /// The mixed reset-locking rules: dma_fence_map → dma_resv (an amdgpu-rule reset) against dma_resv →
    /// dma_fence_map (an i915-rule wait under the lock). Opened by the runs and tests that use a peer device or the
    /// amdgpu rule.
    /// </summary>
    public static ExpectedReportScope MixedResetRules() => LazyInitializer.EnsureInitialized(ref s_mixedRules, static () =>
        Lockdep.Default.ExpectReports(IsMixedResetRules, "the mixed reset-locking rules cycle: both rules in one process"));

    /// <summary>
    /// A circular dependency through the mm's mmap_lock and a stop_machine: cpu_hotplug_lock, or a stop machine's own
    /// region (<see cref="Sync.StopMachine.ClassPrefix"/>). The second form is the same family seen from the mmap
    /// side: the stop-machine mmap policy's reset stops its users (BACKOFF → the stop → its region → mmap_lock, as
    /// its users fault inside the region) while a revoke-policy device's fault waits out BACKOFF under mmap_lock.
    /// No single device has both halves; the per-process graph joins two devices' policies, as it joins the wedge's.
    /// </summary>
    public static bool IsStopMachine2018(LockdepReport report) =>
        LockValidator.IsCycleThrough(report, LockValidator.MmapLockClassName)
        && report.Chain.Any(c => c == LockValidator.CpuHotplugLockClassName
            || c.StartsWith(Sync.StopMachine.ClassPrefix, StringComparison.Ordinal));

    /// <summary>A circular dependency through the reservation lock class and dma_fence_map.</summary>
    public static bool IsMixedResetRules(LockdepReport report) =>
        LockValidator.IsCycleThrough(report, DmaResv.Class.MutexClass.Name, LockValidator.FenceMapClassName);
}
