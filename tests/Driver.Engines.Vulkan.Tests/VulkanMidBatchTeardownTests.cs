using Driver.Core.Errors;
using Driver.Core.Requests;
using Driver.Engines.Isa;

using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>
/// A GT wedge (engine->reset.cancel) and the engine's disposal while a batch runs on the device: the running request
/// and everything queued behind it end once, with -EIO, as cancelled (not hangs), within bounds.
/// </summary>
[Collection(VulkanCollection.Name)]
public class VulkanMidBatchTeardownTests(VulkanDeviceFixture fixture)
{
    /// <summary>__intel_gt_set_wedged → engine->reset.cancel: in flight and queued end with -EIO; later work runs.</summary>
    [VulkanFact]
    public void ResetCancelMidBatch_EndsTheRunningAndQueuedRequestsWithEio()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        var spin = new SpinnerBatch(rig, withConditionalEnd: false);
        Request running = rig.Submit(spin.Address);
        Request queued = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()));
        Poll.Until(() => spin.IsStarted, "the spinner to start");

        rig.Rcs.ResetCancel();

        Assert.True(running.Wait(Bound.Long));
        Assert.True(queued.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, running.Status);
        Assert.Equal(-Errno.EIO, queued.Status);
        Assert.Equal(VulkanRequestOutcome.Cancelled, rig.Rcs.RecordOf(running)!.Outcome);
        Assert.False(running.Guilty);
        Assert.Equal(0u, rig.Read(mem));
        Request after = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem + 4, 2).End().ToArray()));
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
        Assert.Equal(2u, rig.Read(mem + 4));
    }

    /// <summary>Dispose while a batch runs: the batch is aborted, it and the queue end with -EIO, later submits too.</summary>
    [VulkanFact]
    public void DisposeMidBatch_EndsEveryRequestWithEio()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        var spin = new SpinnerBatch(rig, withConditionalEnd: false);
        Request running = rig.Submit(spin.Address);
        Request queued = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()));
        Poll.Until(() => spin.IsStarted, "the spinner to start");

        rig.Rcs.Dispose();

        Assert.True(running.IsSignaled, "Dispose returned with the running request unsignalled");
        Assert.True(queued.IsSignaled, "Dispose returned with a queued request unsignalled");
        Assert.Equal(-Errno.EIO, running.Status);
        Assert.Equal(-Errno.EIO, queued.Status);
        Assert.False(running.Guilty);
        Request after = rig.Submit(rig.Batch(new BatchBuilder().End().ToArray()));
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, after.Status);
    }
}
