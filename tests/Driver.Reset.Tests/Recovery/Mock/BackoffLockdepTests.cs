using Driver.Core.Locking;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// The BACKOFF bit as a cross-release wait. intel_gt_handle_error and intel_gt_reset_trylock sleep on
/// gt->reset.queue (wait_on_bit / wait_event) until the full reset's owner clears I915_RESET_BACKOFF, a wait the
/// kernel's lockdep cannot see. GpuSim's owner holds &amp;gt->reset.flags#BACKOFF from setting the bit to clearing it,
/// and a waiter records its held locks → that map before it sleeps, so a waiter holding a lock the reset takes is
/// reported even on runs that did not deadlock. Each test uses a lock class of its own and an expect scope for it.
/// </summary>
public sealed class BackoffLockdepTests
{
    /// <summary>
    /// Bad ordering: one full reset took X inside its prepare step (BACKOFF → X), and later a reset-lock user waits
    /// out BACKOFF while holding X (X → BACKOFF). The second run did not deadlock (that reset took no X), but the two
    /// together can: the cycle is reported from the waiter's side while it still waits.
    /// </summary>
    [Fact]
    public void WaitingOutBackoffWhileHoldingALockTheResetTakes_IsReported()
    {
        var x = new DriverMutex($"test_backoff_bad_{Guid.NewGuid():N}");
        using ExpectedReportScope scope = Lockdep.Default.ExpectReports(r => r.Chain.Contains(x.ClassName), "a bad BACKOFF ordering on purpose");
        using var rig = new MockResetRig();
        rig.Reset.AddObserver(new TakesLockInFirstPrepare(x));
        rig.Reset.ResetFullExclusive(0, "test: the reset takes x");
        Assert.Empty(scope.Reports);

        using var block = new BlockingObserver();
        rig.Reset.AddObserver(block);
        var resetter = TestThread.Start("resetter", () => rig.Reset.ResetFullExclusive(0, "test: held in prepare"));
        block.WaitEntered();

        bool entered = false;
        var user = TestThread.Start("reset-lock user holding x", () =>
        {
            using (x.Acquire())
            {
                // intel_gt_reset_trylock: BACKOFF is set, so this sleeps until the reset ends.
                entered = rig.Reset.ResetLock(Bound.Long);
                if (entered)
                {
                    rig.Reset.ResetUnlock();
                }
            }
        });
        Poll.Until(() => scope.Reports.Count > 0, "the validator to report x → BACKOFF → x", () => $"BACKOFF={rig.Reset.IsBackoff}");

        block.Release();
        resetter.Join();
        user.Join();
        Assert.True(entered, "the reset-lock user never got in after the reset");
        LockdepReport report = Assert.Single(scope.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains(GtReset.BackoffClassName, report.Chain);
        Assert.Contains(x.ClassName, report.Chain);
        Assert.Contains("GtReset.ResetLock", report.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Good ordering: the waiter holds Y, which no reset takes (what a GTT fault does with mmap_lock while the reset
    /// revokes mappings under i_mmap_rwsem only): the wait ends with the reset and nothing is reported.
    /// </summary>
    [Fact]
    public void WaitingOutBackoffWhileHoldingALockNoResetTakes_IsSilent()
    {
        var y = new DriverMutex($"test_backoff_good_{Guid.NewGuid():N}");
        using ExpectedReportScope scope = Lockdep.Default.ExpectReports(r => r.Chain.Contains(y.ClassName), "must stay empty");
        using var rig = new MockResetRig();
        using var block = new BlockingObserver();
        rig.Reset.AddObserver(block);
        var resetter = TestThread.Start("resetter", () => rig.Reset.ResetFullExclusive(0, "test: held in prepare"));
        block.WaitEntered();

        long waitsBefore = rig.Reset.ResetLockWaits;
        bool entered = false;
        var user = TestThread.Start("reset-lock user holding y", () =>
        {
            using (y.Acquire())
            {
                entered = rig.Reset.ResetLock(Bound.Long);
                if (entered)
                {
                    rig.Reset.ResetUnlock();
                }
            }
        });
        Poll.Until(() => rig.Reset.ResetLockWaits > waitsBefore, "the user to block on BACKOFF");

        block.Release();
        resetter.Join();
        user.Join();
        // A reset after the wait, taking y no more than the first did: still nothing.
        rig.Reset.ResetFullExclusive(0, "test: once more");
        Assert.True(entered, "the reset-lock user never got in after the reset");
        Assert.Equal(2, rig.Reset.ResetCount);
        Assert.Empty(scope.Reports);
        Assert.DoesNotContain(Lockdep.Default.Reports, r => r.Chain.Contains(y.ClassName));
    }

    /// <summary>Takes and releases a lock in the prepare step of the first full reset only.</summary>
    private sealed class TakesLockInFirstPrepare(DriverMutex lockToTake) : IResetObserver
    {
        private int _prepares;

        public void OnResetPrepare()
        {
            if (Interlocked.Increment(ref _prepares) == 1)
            {
                using (lockToTake.Acquire())
                {
                }
            }
        }

        public void OnHardwareReset(HardwareResetPath path)
        {
        }

        public void OnResetRestore()
        {
        }

        public void OnResetFinish()
        {
        }
    }
}
