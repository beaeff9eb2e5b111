using Driver.Core.Errors;
using Driver.Core.Requests;
using Driver.Engines.Isa;

using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>
/// The engine thread's last-resort path: whatever throws while a request is in its hands (a bug, a hook that throws),
/// that request's fence still signals, with -EIO, like everything queued behind it.
/// </summary>
[Collection(VulkanCollection.Name)]
public class VulkanEngineThreadFailureTests(VulkanDeviceFixture fixture)
{
    /// <summary>
    /// A guilty-accounting hook that throws (VulkanEngineOptions.OnGuilty is public; the device facade's runs the ban
    /// policy and raises events) kills the engine thread while the hung request is dequeued but not finished: the
    /// thread wedges and cancels its queue, but that request must not be stranded (every fence signals exactly once;
    /// i915's nop_submit_request / __i915_request_skip end every request the wedge finds with -EIO).
    /// </summary>
    [VulkanFact]
    public void ThrowingGuiltyHook_StillSignalsTheHungRequestWithEio()
    {
        var options = new VulkanEngineOptions
        {
            RequestTimeout = TimeSpan.FromMilliseconds(200),
            OnGuilty = (_, _) => throw new InvalidOperationException("ban policy failed"),
        };
        using var rig = new VulkanTestRig(fixture.Device, options);
        Assert.True(rig.Rcs.WaitReady(Bound.Long));
        uint self = rig.Batch(Mi.BatchBufferStart(0)); // patched below to jump to itself: a hang
        rig.Write(self + 4, self);

        Request hung = rig.Submit(self);

        Assert.True(hung.Wait(Bound.Long), $"hung request never signalled (engine wedged: {rig.Rcs.IsWedged})");
        Assert.Equal(-Errno.EIO, hung.Status);
        Request after = rig.Submit(rig.Batch(new BatchBuilder().End().ToArray()));
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, after.Status);
    }

    /// <summary>
    /// After its thread has died the engine cannot be brought back: an unwedge says so (intel_gt_unset_wedged reports
    /// whether the GT is usable) instead of claiming a recovery after which every submission is still -EIO.
    /// </summary>
    [VulkanFact]
    public void AnEngineWhoseThreadDied_IsNotReportedUsableByAnUnwedge()
    {
        var options = new VulkanEngineOptions
        {
            RequestTimeout = TimeSpan.FromMilliseconds(200),
            OnGuilty = (_, _) => throw new InvalidOperationException("ban policy failed"),
        };
        using var rig = new VulkanTestRig(fixture.Device, options);
        Assert.True(rig.Rcs.WaitReady(Bound.Long));
        uint self = rig.Batch(Mi.BatchBufferStart(0));
        rig.Write(self + 4, self);
        Request hung = rig.Submit(self);
        Assert.True(hung.Wait(Bound.Long));
        Poll.Until(() => rig.Rcs.IsStopped, "the failed engine thread to exit");

        Assert.False(rig.Rcs.Unwedge());
        Request after = rig.Submit(rig.Batch(new BatchBuilder().End().ToArray()));
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, after.Status);
    }

    private sealed class ThrowingCallback : Core.Fences.FenceCallback
    {
        public override void Invoke(Core.Fences.DmaFence fence) => throw new InvalidOperationException("callback bug");
    }

    /// <summary>
    /// A fence callback that throws while the engine thread signals (a driver bug: a dma_fence_func_t cannot fail in
    /// the kernel; DmaFence.Signal rethrows it to the signaller after every callback ran) must not kill the engine
    /// thread, as it does not kill a simulated engine's (Driver.Engines.Tests' CallbackFaultTests): otherwise the
    /// backend is wedged for good and every later request is -EIO.
    /// </summary>
    [VulkanFact]
    public void ACallbackThatThrowsOnTheEngineThread_DoesNotStopTheEngine()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        Assert.True(rig.Rcs.WaitReady(Bound.Long));
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        // Held on a gate so the throwing callback is in place before the engine can signal the request.
        var gate = new Core.Fences.DmaFence();
        Request first = rig.Submit(rig.Batch(new BatchBuilder().End().ToArray()), Core.Hw.EngineId.Rcs0, null, gate);
        Assert.True(first.AddCallback(new ThrowingCallback()));
        Assert.True(gate.Signal());
        Assert.True(first.Wait(Bound.Long));
        Assert.Equal(1, first.Status);

        Request second = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 5).End().ToArray()));

        Assert.True(second.Wait(Bound.Long));
        Assert.False(rig.Rcs.IsStopped, "a throwing fence callback ended the engine thread");
        Assert.Equal(1, second.Status);
        Assert.Equal(5u, rig.Read(mem));
        Assert.Equal(1, rig.Rcs.CallbackFaults);
    }
}
