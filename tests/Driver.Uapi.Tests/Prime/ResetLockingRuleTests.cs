using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Resv;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// The two reset-locking rules as device configuration (issue 15 item 4, the 2018 dma-buf invalidate_mappings /
/// reset locking thread): i915's waits on fences under reservation locks (i915_gem_set_domain_ioctl →
/// i915_gem_object_wait under i915_gem_object_lock) and resets without taking one; amdgpu's never waits under them
/// and takes them in its reset (amdgpu_device_gpu_recover → amdgpu_device_evict_resources). A buffer shared between
/// the two deadlocks when the amdgpu side hangs while the i915 side waits for it: the deadlock watchdog reports who
/// waits for whom and breaks the wait with -EDEADLK. Either rule on both sides completes.
/// </summary>
/// <remarks>
/// Lockdep is class-based, like the kernel's: one process that has run both rules has both dma_resv → dma_fence_map
/// and dma_fence_map → dma_resv in the default validator's graph, whichever tests ran them — that is the mixed-rules
/// cycle, by design. So this process expects that one cycle from the first test here on (a scope never closed):
/// every other report still counts.
/// </remarks>
public class ResetLockingRuleTests
{
    private static readonly TimeSpan s_watchdogBound = TimeSpan.FromMilliseconds(300);

    private static readonly ExpectedReportScope s_mixedRulesCycle = KnownSplats.MixedResetRules();

    private static TestDevice Device(string name, ResetLockingRule rule)
    {
        // No heartbeat: the test resets the hung engine itself, once the other side is known to wait.
        var named = TestDevice.With(DeviceConfig.Fast() with { Name = name, ResetLockingRule = rule });
        foreach (EngineId id in EngineIds.All)
        {
            named.Dev.Heartbeat.SetInterval(id, TimeSpan.Zero);
        }

        named.Dev.Heartbeat.SetPreemptTimeout(TimeSpan.Zero);
        return named;
    }

    /// <summary>
    /// The mixed rules: the amdgpu-rule exporter's reader hangs; the i915-rule importer calls set-domain on the
    /// import and, as i915_gem_object_wait under i915_gem_object_lock does, waits for that reader holding the shared
    /// dma_resv; the exporter's reset (amdgpu_device_gpu_recover) then wants that dma_resv inside its signalling
    /// section (amdgpu_device_evict_resources) before it can signal the hung fence. Nobody moves until the watchdog
    /// reports the cycle and breaks the importer's wait with -EDEADLK; then the reset finishes and the hung fence
    /// signals -EIO (error before signal), and the import is usable again.
    /// </summary>
    [Fact]
    public void MixedRules_WatchdogReportsWhoWaitsForWhom_AndBreaksTheWaitUnderTheLock()
    {
        _ = s_mixedRulesCycle;
        using var p = new PrimeTestPair(Device("amdgpu0", ResetLockingRule.Amdgpu), Device("i915-0", ResetLockingRule.I915));
        p.Buf.Resv.Label = "shared";
        var reports = new List<string>();
        using var watchdog = new ResvDeadlockWatchdog(s_watchdogBound, r => { lock (reports) { reports.Add(r); } });
        using var hang = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { NoPreemption = true, Objects = [p.Shared.Handle] });
        Assert.True(hang.WaitStarted(Bound.Long));

        int setDomain = int.MinValue;
        var i915 = TestThread.Start("i915 set_domain", () => setDomain = p.Importer.Dev.SetDomain(p.Importer.Client, p.Imported.Handle, write: true, Bound.LongNs));
        Poll.Until(() => ResvWaits.Snapshot().Any(w => w.Device == "i915-0" && w.Held.Contains(p.Buf.Resv)),
            "the i915 side waiting on the hung fence under the shared dma_resv");
        var reset = TestThread.Start("amdgpu reset", () => p.Exporter.Dev.ForceReset(EngineId.Rcs0.Mask(), "test: hang"));

        i915.Join();
        reset.Join();
        Assert.Equal(ResvDeadlockWatchdog.BreakErrno, setDomain);
        // The rewound spinner's fence is signalled by its engine once it resumes: error before signal.
        Assert.True(hang.Fence.Wait(Bound.Long), "the hung fence never signalled after the break");
        Assert.Equal(-Errno.EIO, hang.Fence.Status);
        string report = Assert.Single(reports);
        Assert.Contains("\"i915 set_domain\"", report);
        Assert.Contains("holds dma_resv#", report);
        Assert.Contains("(shared)", report);
        Assert.Contains("waits in i915_gem_object_wait on fence", report);
        Assert.Contains("of device amdgpu0", report);
        Assert.Contains("\"amdgpu reset\"", report);
        Assert.Contains("waits in amdgpu_device_evict_resources for the lock of", report);
        Assert.Contains("breaking the wait of \"i915 set_domain\"", report);
        Assert.Contains("-EDEADLK", report);
        Assert.Equal(0, p.Importer.Dev.SetDomain(p.Importer.Client, p.Imported.Handle, write: true, Bound.LongNs));
        p.Exporter.AssertWorks();
        p.Importer.AssertWorks();
    }

    /// <summary>
    /// The validator sees the same cycle from the dma_fence signalling annotations of those paths:
    /// dma_fence_begin_signalling in the amdgpu reset → dma_resv_lock; i915_gem_object_wait's dma_fence_wait under
    /// dma_resv_lock (dma_resv_lockdep's rule: a signalling section must not take a dma_resv lock).
    /// </summary>
    [Fact]
    public void MixedRules_TheValidatorKnowsTheCycleThroughDmaResvAndDmaFenceMap()
    {
        _ = s_mixedRulesCycle;
        using (var p = new PrimeTestPair(Device("amdgpu1", ResetLockingRule.Amdgpu), Device("i915-1", ResetLockingRule.I915)))
        {
            Assert.Equal(0, p.Importer.Dev.SetDomain(p.Importer.Client, p.Imported.Handle, write: true, Bound.LongNs));
            p.Exporter.Dev.ForceReset(EngineId.Rcs0.Mask(), "test: reset takes the shared dma_resv");
        }

        Assert.NotEmpty(s_mixedRulesCycle.Known);
        LockdepReport cycle = s_mixedRulesCycle.Known[0];
        Assert.Equal(LockdepReportKind.CircularDependency, cycle.Kind);
        Assert.Contains("dma_fence_map", cycle.Text);
        Assert.Contains("reservation_ww_class_mutex", cycle.Text);
    }

    /// <summary>
    /// Both sides i915's rule: the importer still waits under the shared dma_resv, but the exporter's reset
    /// (intel_gt_reset) takes no reservation lock, signals the hung fence -EIO, and the wait ends with 0.
    /// </summary>
    [Fact]
    public void BothI915_TheResetTakesNoReservationLock_AndTheWaitUnderItEnds()
    {
        _ = s_mixedRulesCycle;
        AssertCompletes(ResetLockingRule.I915, ResetLockingRule.I915, importerHoldsTheLock: true);
    }

    /// <summary>
    /// Both sides amdgpu's rule: the exporter's reset takes the shared dma_resv, but the importer waits with no lock
    /// held (amdgpu_gem_wait_idle_ioctl: dma_resv_wait_timeout unlocked), so the reset gets it, signals -EIO, and the
    /// wait ends with 0.
    /// </summary>
    [Fact]
    public void BothAmdgpu_TheWaitHoldsNoReservationLock_AndTheResetTakesIt()
    {
        _ = s_mixedRulesCycle;
        AssertCompletes(ResetLockingRule.Amdgpu, ResetLockingRule.Amdgpu, importerHoldsTheLock: false);
    }

    private static void AssertCompletes(ResetLockingRule exporterRule, ResetLockingRule importerRule, bool importerHoldsTheLock)
    {
        string exporter = $"exp-{exporterRule}-{Guid.NewGuid():N}";
        string importer = $"imp-{importerRule}-{Guid.NewGuid():N}";
        using var p = new PrimeTestPair(Device(exporter, exporterRule), Device(importer, importerRule));
        var reports = new List<string>();
        using var watchdog = new ResvDeadlockWatchdog(s_watchdogBound, r => { lock (reports) { reports.Add(r); } });
        using var hang = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { NoPreemption = true, Objects = [p.Shared.Handle] });
        Assert.True(hang.WaitStarted(Bound.Long));

        int setDomain = int.MinValue;
        var waiter = TestThread.Start("set_domain", () => setDomain = p.Importer.Dev.SetDomain(p.Importer.Client, p.Imported.Handle, write: true, Bound.LongNs));
        Poll.Until(() => ResvWaits.Snapshot().Any(w => w.Device == importer && w.Fence == hang.Fence),
            "the importer waiting on the hung fence");
        Assert.Equal(importerHoldsTheLock, ResvWaits.Snapshot().Single(w => w.Device == importer).Held.Contains(p.Buf.Resv));
        p.Exporter.Dev.ForceReset(EngineId.Rcs0.Mask(), "test: hang");

        waiter.Join();
        Assert.Equal(0, setDomain);
        Assert.True(hang.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, hang.Fence.Status);
        Assert.DoesNotContain(reports, r => r.Contains(exporter, StringComparison.Ordinal) || r.Contains(importer, StringComparison.Ordinal));
        p.Exporter.AssertWorks();
        p.Importer.AssertWorks();
    }
}
