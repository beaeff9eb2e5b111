using Driver.Core.Hw;
using Driver.Reset.Recovery;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// The reset lock (intel_gt_reset_lock_interruptible / reset.backoff_srcu): users of resources a full reset clobbers
/// cannot enter while BACKOFF is set, and the reset waits for those already inside before touching the hardware.
/// Ordering is observed through one sequence counter shared by the observer's hooks and the lock users; each step
/// waits for exactly the event it needs, so nothing depends on timing.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ResetLockTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResetLockBlocksWhileTheResetRunsAndTheResetWaitsForHolders(bool viaForceFullReset)
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false });
        GpuDevice dev = t.Dev;
        GtReset reset = dev.Reset;
        var order = new ResetOrderObserver(reset);
        reset.AddObserver(order);

        // A holder from before the reset: the reset must not reach its hardware step until the holder has left.
        using var holderIn = new ManualResetEventSlim(false);
        bool holderLocked = false, holderSawBackoff = false;
        long holderLeft = 0;
        var holder = TestThread.Start("holder", () =>
        {
            holderLocked = reset.ResetLock(Bound.Long);
            holderIn.Set();
            if (!holderLocked)
            {
                return;
            }
            // Stay inside until the reset has announced itself by setting BACKOFF (bounded), then leave.
            holderSawBackoff = Poll.TryUntil(() => reset.IsBackoff);
            holderLeft = order.Next();
            reset.ResetUnlock();
        });
        Assert.True(holderIn.Wait(Bound.Long));
        Assert.True(holderLocked);

        var resetter = TestThread.Start("resetter", () =>
        {
            if (viaForceFullReset)
            {
                dev.ForceFullReset("reset lock test");
            }
            else
            {
                reset.HandleError(EngineIds.AllMask, ErrorFlags.None, "reset lock test");
            }
        });
        resetter.Join();
        holder.Join();
        Assert.NotNull(order.ShortTry);
        order.ShortTry.Join();
        Assert.NotNull(order.LateLocker);
        order.LateLocker.Join();

        Assert.Equal(1, reset.ResetCount);
        Assert.False(dev.IsWedged);
        Assert.True(holderSawBackoff, "the reset never set BACKOFF");
        Assert.True(holderLeft < order.HardwareReset,
            $"the hardware reset (#{order.HardwareReset}) ran before the lock holder left (#{holderLeft})");
        Assert.False(order.ShortTryAcquired, "ResetLock succeeded inside the hardware reset");
        Assert.True(order.LateLockerWaited, "the late ResetLock caller never waited on the reset");
        Assert.True(order.LateLockerAcquired > order.Finish,
            $"ResetLock got in (#{order.LateLockerAcquired}) before the reset finished (#{order.Finish})");
        Assert.False(reset.IsBackoff);
    }
}
