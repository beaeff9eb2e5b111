using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// What other threads see while a full reset is in progress (intel_gt_handle_error, intel_gt_reset_trylock), forced
/// by holding the reset inside its prepare step.
/// </summary>
public sealed class MockBackoffTests
{
    [Fact]
    public void ASecondErrorDuringAFullResetPiggyBacksInsteadOfResettingAgain()
    {
        using var rig = new MockResetRig(config: new ResetConfig { EngineResetEnabled = false, CaptureErrorState = false });
        using var block = new BlockingObserver();
        rig.Reset.AddObserver(block);
        Request first = rig.Hang(EngineId.Rcs0);
        Request second = rig.Hang(EngineId.Bcs0);

        var a = TestThread.Start("first error", () => rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "first"));
        block.WaitEntered();
        // intel_gt_handle_error: test_and_set_bit(I915_RESET_BACKOFF) fails → wait_event(reset.queue) for it to clear.
        var b = TestThread.Start("second error", () => rig.Reset.HandleError(EngineId.Bcs0.Mask(), ErrorFlags.None, "second"));
        Assert.False(b.TryJoin(TimeSpan.FromMilliseconds(50)), "the second error did not wait for the reset in progress");
        Assert.True(rig.Reset.IsBackoff);

        block.Release();
        a.Join();
        b.Join();

        // One full reset only, and it rewound bcs0 too (as innocent: its stall was not known to the first reset).
        Assert.Equal(1, block.Prepares);
        Assert.Equal(1, rig.Reset.ResetCount);
        Assert.Equal(-Errno.EIO, first.Error);
        Assert.Equal(-Errno.EAGAIN, second.Error);
        rig[EngineId.Bcs0].EndHangs();
        rig.AdvanceAll();
        Assert.Equal(-Errno.EIO, first.Status);
        Assert.Equal(-Errno.EAGAIN, second.Status);
        Assert.Equal(1, rig[EngineId.Bcs0].Rewinds);
        Assert.False(rig.Reset.IsBackoff);
    }

    [Fact]
    public void ResetLockUsersSeeBackoffAndWaitForTheResetToEnd()
    {
        using var rig = new MockResetRig();
        using var block = new BlockingObserver();
        rig.Reset.AddObserver(block);

        var resetter = TestThread.Start("resetter", () => rig.Reset.ResetFullExclusive(0, "test: backoff"));
        block.WaitEntered();

        // intel_gt_reset_trylock: BACKOFF set → the caller waits (here with a bound, and gives up).
        long waitsBefore = rig.Reset.ResetLockWaits;
        Assert.False(rig.Reset.ResetLock(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(waitsBefore + 1, rig.Reset.ResetLockWaits);

        bool entered = false;
        var user = TestThread.Start("reset-lock user", () =>
        {
            entered = rig.Reset.ResetLock(Bound.Long);
            if (entered)
            {
                rig.Reset.ResetUnlock();
            }
        });
        Poll.Until(() => rig.Reset.ResetLockWaits >= waitsBefore + 2, "the user to block on BACKOFF");
        block.Release();
        resetter.Join();
        user.Join();
        Assert.True(entered, "the reset-lock user never got in after the reset");
        Assert.Equal(1, rig.Reset.ResetCount);
    }

    [Fact]
    public void AResetLockHolderKeepsTheFullResetOutUntilItLeaves()
    {
        using var rig = new MockResetRig();
        Assert.True(rig.Reset.ResetLock(Bound.Short));
        // The full reset sets BACKOFF, then waits for backoff_srcu readers (the ResetLock holders) to leave.
        var resetter = TestThread.Start("resetter", () => rig.Reset.ResetFullExclusive(0, "test"));
        Poll.Until(() => rig.Reset.IsBackoff, "the reset to set BACKOFF");
        Assert.False(resetter.TryJoin(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(0, rig.Reset.ResetCount);

        rig.Reset.ResetUnlock();
        resetter.Join();
        Assert.Equal(1, rig.Reset.ResetCount);
    }
}
