using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;

using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>
/// What engine->reset.cancel may end on the Vulkan backend: only what the engine held when it was called, and only as
/// a cancellation (-EIO, never guilt), even when the aborted batch then fails to stop and the device is declared lost.
/// </summary>
[Collection(VulkanCollection.Name)]
public class VulkanCancelScopeTests(VulkanDeviceFixture fixture)
{
    /// <summary>Holds the signalling (engine) thread in the callback until released (bounded): the engine thread busy.</summary>
    private sealed class HoldThread(ManualResetEventSlim held, ManualResetEventSlim release) : FenceCallback
    {
        public override void Invoke(DmaFence fence)
        {
            held.Set();
            release.Wait(Bound.Long);
        }
    }

    /// <summary>
    /// GtReset.UnsetWedgedLocked calls engine.ResetCancel (hence the backend's) and then restores submission
    /// (__intel_gt_unset_wedged: the GT is idle, intel_engines_reset_default_submission, new requests run normally;
    /// IEngineBackend.ResetCancel: "later submissions (after an unwedge) run normally"). The Vulkan engine honours the
    /// cancel asynchronously, on its thread: a request submitted after the cancel, before that thread got to it (here
    /// held in a fence callback of the previous request), must not be cancelled by it.
    /// </summary>
    [VulkanFact]
    public void ACancel_DoesNotEndARequestSubmittedAfterIt()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        Assert.True(rig.Rcs.WaitReady(Bound.Long));
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        using var held = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var gate = new DmaFence();
        Request before = rig.Submit(rig.Batch(new BatchBuilder().End().ToArray()), EngineId.Rcs0, null, gate);
        Assert.True(before.AddCallback(new HoldThread(held, release)));
        Assert.True(gate.Signal());
        Assert.True(held.Wait(Bound.Long), "the engine thread never signalled the first request");

        rig.Rcs.ResetCancel(); // the unwedge's engine->reset.cancel: the engine holds nothing now
        Request after = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 7).End().ToArray()));
        release.Set();

        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(1, before.Status);
        Assert.True(after.Status == 1, $"a request submitted after the cancel ended with {after.Status} ({rig.Rcs.RecordOf(after)?.Reason})");
        Assert.Equal(7u, rig.Read(mem));
    }

    /// <summary>
    /// A wedge (engine->reset.cancel) aborting a batch that then does not stop within the abort grace: the device is
    /// declared lost and recreated, but the request was cancelled by the wedge, not hung by its context.
    /// __intel_gt_set_wedged ends requests with -EIO only (nop_submit_request, i915_request_set_error_once); guilt
    /// (__i915_request_reset → mark_guilty, the ban score) comes only from a reset that blames a hang.
    /// </summary>
    [VulkanFact]
    public void ACancelledBatchThatDoesNotStop_IsCancelledNotGuilty()
    {
        VulkanDevice device = fixture.Device;
        var options = new VulkanEngineOptions { RequestTimeout = TimeSpan.FromSeconds(30), AbortGrace = TimeSpan.FromMilliseconds(200) };
        using var rig = new VulkanTestRig(device, options);
        Assert.True(rig.Rcs.WaitReady(Bound.Long));
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        device.Faults.StickFences();
        Request stuck = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()));
        Poll.Until(() => stuck.Started, "the batch to be submitted to the device");

        rig.Rcs.ResetCancel();

        Assert.True(stuck.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, stuck.Status);
        Assert.False(stuck.Guilty, $"a wedge's cancellation made the request guilty ({rig.Rcs.RecordOf(stuck)?.Reason})");
        Assert.Equal(0, rig.Client.DefaultContext.GuiltyCount);
        Assert.Equal(VulkanRequestOutcome.Cancelled, rig.Rcs.RecordOf(stuck)!.Outcome);
    }
}
