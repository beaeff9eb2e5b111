using Driver.Core.Locking;
using Driver.Core.Resv;

namespace Driver.Sim.Runner;

/// <summary>
/// A run with a peer device or the amdgpu reset-locking rule puts dma_fence_map → dma_resv (amdgpu's reset) and/or
/// dma_resv → dma_fence_map (i915's wait under the lock) into the process's lock graph; lockdep is class-based, so
/// once a process has run both rules, the mixed-rules cycle is in its graph whichever runs brought the two halves —
/// the deadlock such scenarios exist to show. That one cycle is expected on the default validator for the rest of
/// the process (a scope never closed); every other report still counts.
/// </summary>
internal static class MixedRulesLockdep
{
    private static ExpectedReportScope? s_scope;

    /// <summary>Opens the process-wide expectation, once.</summary>
    public static void Expect() => LazyInitializer.EnsureInitialized(ref s_scope, static () => Lockdep.Default.ExpectReports(
        r => LockValidator.IsCycleThrough(r, DmaResv.Class.MutexClass.Name, LockValidator.FenceMapClassName),
        "scenarios with both reset-locking rules (docs/prime.md)"));
}
