using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Reset.Recovery;
using Driver.Testing.Gt;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// Submit fences (i915_request_await_execution) across resets: a waiter whose signaler is queued behind a hang is
/// released when the replayed signaler starts, with no error of the hang's; a wedge that cancels the queued signaler
/// releases the waiter with -EIO, which the wedged engine then cancels too. Every fence signals exactly once, error
/// before signal.
/// </summary>
public class SubmitFenceResetTests
{
    /// <summary>
    /// The hung spinner on rcs0 (no timeslicing, so what queues behind it stays queued), a signaler of another context
    /// queued behind it, and a waiter on bcs0 joined to the signaler's start.
    /// </summary>
    private static (ResetRig.Spinner Hung, Request Signal, Request Waiter, TestBuffer Target) Setup(ResetRig rig)
    {
        rig[EngineId.Rcs0].TimesliceDuration = TimeSpan.Zero;
        ResetRig.Spinner hung = rig.Spin(EngineId.Rcs0);
        TestBuffer target = rig.Harness.NewBuffer();
        Request signal = Submit(rig, new BatchBuilder().StoreDword(target.At(0), 1).End(), EngineId.Rcs0, null);
        Request waiter = Submit(rig, new BatchBuilder().StoreDword(target.At(1), 2).End(), EngineId.Bcs0, [signal]);

        // The waiter is held: its signaler has not started.
        Assert.False(waiter.Wait(Bound.Short));
        Assert.False(waiter.IsSubmitted);
        Assert.False(signal.Started);
        return (hung, signal, waiter, target);
    }

    [Fact]
    public void ASignalerQueuedBehindAHangIsReplayedAndThenReleasesItsWaiterWithoutError()
    {
        // __i915_request_reset: only the guilty spinner takes -EIO; the innocent signaler is replayed, starts, and its
        // execute callback releases the waiter then (__notify_execute_cb), clean.
        using var rig = new ResetRig();
        (ResetRig.Spinner hung, Request signal, Request waiter, TestBuffer target) = Setup(rig);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hung spinner");

        Assert.True(hung.Request.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, hung.Request.Status);
        Assert.True(signal.Wait(Bound.Long));
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(1, signal.Status);
        Assert.Equal(1, waiter.Status);
        Assert.Equal(1u, target[0]);
        Assert.Equal(2u, target[1]);
        Assert.Equal(1, waiter.SignalAttempts);
    }

    [Fact]
    public void AWedgeWithTheSignalerQueuedEndsTheWaiterWithEio()
    {
        // The wedge cancels everything rcs0 holds (execlists_reset_cancel): the signaler never executes, so it
        // releases its waiter as it signals, with -EIO; the waiter's submission meets the nop handler, which cancels
        // it. Neither payload runs.
        using var rig = new ResetRig();
        (ResetRig.Spinner hung, Request signal, Request waiter, TestBuffer target) = Setup(rig);

        rig.Reset.SetWedged("test: wedge with a submit-fence waiter queued");

        foreach (Request rq in new[] { hung.Request, signal, waiter })
        {
            Assert.True(rq.Wait(Bound.Long), $"{rq} never signalled");
            Assert.Equal(-Errno.EIO, rq.Status);
            Assert.Equal(1, rq.SignalAttempts);
        }

        Assert.False(waiter.Started);
        Assert.Equal(0u, target[0]);
        Assert.Equal(0u, target[1]);
    }

    /// <summary>Submits on a new context through the GT, with submit fences (the harness's Submit takes in-fences only).</summary>
    private static Request Submit(ResetRig rig, BatchBuilder builder, EngineId engine, IReadOnlyList<DmaFence>? submitFences)
    {
        TestBuffer batch = rig.Harness.NewBuffer();
        batch.Write(builder);
        GpuContext ctx = rig.Harness.Client.CreateContext();
        return rig.Gt.CreateAndSubmit(ctx, engine, batch.Address, RequestFlags.None, submitFences: submitFences);
    }
}
