using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;

using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

[Collection(VulkanCollection.Name)]
public class VulkanDeviceLossTests(VulkanDeviceFixture fixture)
{
    [VulkanFact]
    public void DeviceLossRecreatesTheDeviceGuiltyIsEioAndQueuedWorkReplays()
    {
        VulkanDevice device = fixture.Device;
        using var rig = new VulkanTestRig(device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        int recreations = device.Recreations;
        long generation = device.Generation;
        var spin = new SpinnerBatch(rig);
        Request guilty = rig.Submit(spin.Address);
        Request queued = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 0x10).End().ToArray()));
        Poll.Until(() => spin.IsStarted, "the spinner to start");
        device.Faults.InjectDeviceLost();
        Assert.True(guilty.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, guilty.Status);
        Assert.True(guilty.Guilty);
        Assert.True(queued.Wait(Bound.Long));
        Assert.Equal(1, queued.Status);
        Assert.Equal(0x10u, rig.Read(mem));
        Assert.Equal(recreations + 1, device.Recreations);
        Assert.Equal(generation + 1, device.Generation);
        Assert.Equal(1, rig.Rcs.DeviceLosses);
        Assert.Equal(VulkanRequestOutcome.DeviceLost, rig.Rcs.RecordOf(guilty)!.Outcome);
        Assert.False(rig.Rcs.IsWedged);
    }

    [VulkanFact]
    public void AnInnocentInFlightOnAnotherEngineIsReplayedOnTheNewDevice()
    {
        VulkanDevice device = fixture.Device;
        using var rig = new VulkanTestRig(device, null, EngineId.Rcs0, EngineId.Bcs0);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        var spinA = new SpinnerBatch(rig);
        var spinB = new SpinnerBatch(rig);
        Request a = rig.Submit(spinA.Address);
        Request b = rig.Submit(spinB.Address, EngineId.Bcs0);
        Poll.Until(() => spinA.IsStarted && spinB.IsStarted, "both spinners to start");
        device.Faults.InjectDeviceLost();
        // Whichever engine sees the loss first is guilty; the other replays its batch from the start.
        Poll.Until(() => a.IsSignaled || b.IsSignaled, "one of the two requests to be lost");
        (Request? culprit, Request? innocent, SpinnerBatch? innocentSpin) = a.IsSignaled ? (a, b, spinB) : (b, a, spinA);
        Assert.Equal(-Errno.EIO, culprit.Status);
        Poll.Until(() => innocent.Replays == 1, "the innocent request to be replayed");
        Assert.False(innocent.IsSignaled);
        innocentSpin.EndAtHead();
        Assert.True(innocent.Wait(Bound.Long));
        // i915 marks an innocent victim of a reset with the non-fatal -EAGAIN; its payload still ran to the end.
        Assert.Equal(-Errno.EAGAIN, innocent.Status);
        Assert.Equal(1, rig.Client.DefaultContext.InnocentCount);
        Assert.Equal(1, rig.Client.DefaultContext.GuiltyCount);
    }

    /// <summary>
    /// An innocent victim that used up its replay attempts (MaxAttempts; 1 here so one loss caused by the other engine
    /// is enough) fails, but it is still innocent: __i915_request_reset(rq, guilty = false) never marks a victim guilty
    /// (mark_innocent, no ban score). Otherwise a client whose batches keep losing the device gets another client's
    /// context guilty and banned.
    /// </summary>
    [VulkanFact]
    public void AnInnocentOutOfReplayAttemptsFailsButIsNotGuilty()
    {
        VulkanDevice device = fixture.Device;
        using var rig = new VulkanTestRig(device, new VulkanEngineOptions { MaxAttempts = 1 }, EngineId.Rcs0, EngineId.Bcs0);
        var spinA = new SpinnerBatch(rig);
        var spinB = new SpinnerBatch(rig);
        Request a = rig.Submit(spinA.Address);
        Request b = rig.Submit(spinB.Address, EngineId.Bcs0);
        Poll.Until(() => spinA.IsStarted && spinB.IsStarted, "both spinners to start");
        device.Faults.InjectDeviceLost();

        Assert.True(a.Wait(Bound.Long));
        Assert.True(b.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, a.Status);
        Assert.Equal(-Errno.EIO, b.Status);
        Assert.True(a.Guilty ^ b.Guilty, $"exactly the engine that saw the loss first is guilty (rcs {a.Guilty}, bcs {b.Guilty})");
        Assert.Equal(1, rig.Client.DefaultContext.GuiltyCount);
    }

    [VulkanFact]
    public void FailedRecreationWedgesTheEngineUntilUnwedged()
    {
        VulkanDevice device = fixture.Device;
        using var rig = new VulkanTestRig(device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        var spin = new SpinnerBatch(rig);
        Request inFlight = rig.Submit(spin.Address);
        Request queued = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()));
        Poll.Until(() => spin.IsStarted, "the spinner to start");
        device.Faults.FailRecreations(1);
        device.Faults.InjectDeviceLost();
        Assert.True(inFlight.Wait(Bound.Long));
        Assert.True(queued.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, inFlight.Status);
        Assert.Equal(-Errno.EIO, queued.Status);
        Assert.Equal(0u, rig.Read(mem));
        Assert.True(rig.Rcs.IsWedged);
        Assert.True(device.IsDead);
        Request whileWedged = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 2).End().ToArray()));
        Assert.True(whileWedged.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, whileWedged.Status);
        Assert.Equal(VulkanRequestOutcome.Cancelled, rig.Rcs.RecordOf(whileWedged)!.Outcome);

        Assert.True(rig.Rcs.Unwedge());
        Assert.False(device.IsDead);
        Request after = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 3).End().ToArray()));
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
        Assert.Equal(3u, rig.Read(mem));
    }

    [VulkanFact]
    public void AnIdleEngineRebuildsOnTheRecreatedDevice()
    {
        VulkanDevice device = fixture.Device;
        using var rig = new VulkanTestRig(device, null, EngineId.Rcs0, EngineId.Bcs0);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        // Bcs0 sets up on the current device, then goes idle.
        Request first = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()), EngineId.Bcs0);
        Assert.True(first.Wait(Bound.Long));
        var spin = new SpinnerBatch(rig);
        Request lost = rig.Submit(spin.Address);
        Poll.Until(() => spin.IsStarted, "the spinner to start");
        device.Faults.InjectDeviceLost();
        Assert.True(lost.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, lost.Status);
        Request second = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem + 4, 2).End().ToArray()), EngineId.Bcs0);
        Assert.True(second.Wait(Bound.Long));
        Assert.Equal(1, second.Status);
        Assert.Equal(2u, rig.Read(mem + 4));
        Assert.Equal(0, rig.Engines[EngineId.Bcs0].DeviceLosses);
    }

    [VulkanFact]
    public void AFenceThatNeverSignalsIsAbortedThenDeclaredLostWithinBounds()
    {
        VulkanDevice device = fixture.Device;
        var options = new VulkanEngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(100), AbortGrace = TimeSpan.FromMilliseconds(200) };
        using var rig = new VulkanTestRig(device, options);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        int recreations = device.Recreations;
        Assert.True(rig.Rcs.WaitReady(Bound.Long));
        device.Faults.StickFences();
        Request stuck = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()));
        Assert.True(stuck.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, stuck.Status);
        VulkanRequestRecord rec = rig.Rcs.RecordOf(stuck)!;
        Assert.Equal(VulkanRequestOutcome.DeviceLost, rec.Outcome);
        Assert.Contains("did not stop", rec.Reason);
        // Declared lost no sooner than timeout + grace, and the stores of a request judged lost never land.
        Assert.True((rec.CompletedTimestamp - rec.SubmittedTimestamp) * 1000.0 / System.Diagnostics.Stopwatch.Frequency >= 300);
        Assert.Equal(0u, rig.Read(mem));
        Assert.Equal(recreations + 1, device.Recreations);
        Request next = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem + 4, 2).End().ToArray()));
        Assert.True(next.Wait(Bound.Long));
        Assert.Equal(1, next.Status);
        Assert.Equal(2u, rig.Read(mem + 4));
    }
}
