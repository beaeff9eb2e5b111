using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;

using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

[Collection(VulkanCollection.Name)]
public class VulkanEngineTests(VulkanDeviceFixture fixture)
{
    [VulkanFact]
    public void StoresLandInGpuMemoryAfterTheFence()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        (Core.Memory.BufferObject _, uint target) = rig.Object();
        BatchBuilder b = new BatchBuilder().StoreDword(target, 0xcafe).StoreDword(target + 4, 1).StoreDword(target + 4, 2).Noop().ArbCheck().End();
        Request rq = rig.Submit(rig.Batch(b.ToArray()));
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(0xcafeu, rig.Read(target));
        Assert.Equal(2u, rig.Read(target + 4));
        Assert.True(rq.IsCompleted);
        VulkanRequestRecord? rec = rig.Rcs.RecordOf(rq);
        Assert.NotNull(rec);
        Assert.Equal(VulkanRequestOutcome.Completed, rec.Outcome);
        Assert.Equal(1, rec.Dispatches);
    }

    [VulkanFact]
    public void SpinnerStartsVisiblyAndEndsWhenItsLoopHeadIsRewritten()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        var spin = new SpinnerBatch(rig);
        Request rq = rig.Submit(spin.Address);
        // The "started" store reaches GPU memory while the batch still runs (the pump copies executed stores out).
        Poll.Until(() => spin.IsStarted, "the spinner to start");
        Assert.False(rq.IsSignaled);
        spin.EndAtHead();
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(0, rig.Rcs.Hangs);
    }

    [VulkanFact]
    public void SpinnerEndsOnItsConditionalEnd()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        var spin = new SpinnerBatch(rig);
        Request rq = rig.Submit(spin.Address);
        Poll.Until(() => spin.IsStarted, "the spinner to start");
        spin.EndByCondition();
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
    }

    [VulkanFact]
    public void SemaphoreWaitIsReleasedByACpuWrite()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        Request rq = rig.Submit(rig.Batch(new BatchBuilder()
            .StoreDword(mem + 8, 1)
            .SemaphoreWait(mem, CompareOp.Equal, 7)
            .StoreDword(mem + 4, 0xbeef).End().ToArray()));
        Poll.Until(() => rig.Read(mem + 8) == 1, "the store to land");
        Assert.False(rq.IsSignaled);
        Assert.Equal(0u, rig.Read(mem + 4));
        rig.Write(mem, 7);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(0xbeefu, rig.Read(mem + 4));
    }

    [VulkanFact]
    public void WorkRunsThenStores()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        Request rq = rig.Submit(rig.Batch(new BatchBuilder().Work(1_000_000).StoreDword(mem, 5).End().ToArray()));
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(5u, rig.Read(mem));
        Assert.Equal(2, rig.Rcs.RecordOf(rq)!.Dispatches);
    }

    [VulkanFact]
    public void HungSpinnerIsGuiltyAndQueuedWorkCompletes()
    {
        using var rig = new VulkanTestRig(fixture.Device, new VulkanEngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        uint self = rig.Batch(Mi.BatchBufferStart(0)); // patched below to jump to itself
        rig.Write(self + 4, self);
        Request hung = rig.Submit(self);
        Request after1 = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 1).End().ToArray()));
        Request after2 = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem + 4, 2).End().ToArray()));
        Assert.True(hung.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.True(hung.Guilty);
        Assert.True(after1.Wait(Bound.Long));
        Assert.True(after2.Wait(Bound.Long));
        Assert.Equal(1, after1.Status);
        Assert.Equal(1, after2.Status);
        Assert.Equal(1u, rig.Read(mem));
        Assert.Equal(2u, rig.Read(mem + 4));
        Assert.Equal(1, rig.Client.DefaultContext.GuiltyCount);
        Assert.Equal(1, rig.Rcs.Hangs);
        Assert.Equal(VulkanRequestOutcome.Hang, rig.Rcs.RecordOf(hung)!.Outcome);
    }

    [VulkanFact]
    public void DependentChainAcrossEnginesWaitsForTheFirstFence()
    {
        using var rig = new VulkanTestRig(fixture.Device, null, EngineId.Rcs0, EngineId.Bcs0);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        Request a = rig.Submit(rig.Batch(new BatchBuilder().Work(20_000_000).StoreDword(mem, 1).End().ToArray()));
        // B polls A's store: had it been submitted before A signalled, it would wait on a stale 0 and time out.
        Request b = rig.Submit(rig.Batch(new BatchBuilder().SemaphoreWait(mem, CompareOp.Equal, 1).StoreDword(mem + 4, 2).End().ToArray()),
            EngineId.Bcs0, null, a);
        Assert.True(b.Wait(Bound.Long));
        Assert.Equal(1, a.Status);
        Assert.Equal(1, b.Status);
        Assert.Equal(2u, rig.Read(mem + 4));
        VulkanRequestRecord recB = rig.Engines[EngineId.Bcs0].RecordOf(b)!;
        Assert.True(recB.QueuedTimestamp >= a.SignalTimestamp);
    }

    [VulkanFact]
    public void AFailedDependencyPropagatesItsError()
    {
        using var rig = new VulkanTestRig(fixture.Device, new VulkanEngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) }, EngineId.Rcs0, EngineId.Bcs0);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        uint self = rig.Batch(Mi.BatchBufferStart(0));
        rig.Write(self + 4, self);
        Request a = rig.Submit(self);
        Request b = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem, 9).End().ToArray()), EngineId.Bcs0, null, a);
        Assert.True(b.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, a.Status);
        Assert.Equal(-Errno.EIO, b.Status);
        Assert.Equal(0u, rig.Read(mem));
        Assert.Equal(VulkanRequestOutcome.Skipped, rig.Engines[EngineId.Bcs0].RecordOf(b)!.Outcome);
    }

    [VulkanFact]
    public void UntranslatableBatchesFailWithAClearErrorAndTheEngineCarriesOn()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        (Core.Memory.BufferObject _, uint mem) = rig.Object();
        Request unknown = rig.Submit(rig.Batch(0xDEADBEEF));
        uint loop = rig.Batch(new BatchBuilder().StoreDword(mem, 1).Jump(0).ToArray());
        rig.Write(loop + 12 + 4, loop); // jump back to the store: a store inside a loop
        Request storeInLoop = rig.Submit(loop);
        Request unmapped = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(0x3ff_f000, 1).End().ToArray()));
        Request fine = rig.Submit(rig.Batch(new BatchBuilder().StoreDword(mem + 4, 3).End().ToArray()));
        foreach (Request? rq in new[] { unknown, storeInLoop, unmapped, fine })
        {
            Assert.True(rq.Wait(Bound.Long));
        }

        Assert.Equal(-Errno.EIO, unknown.Status);
        Assert.Equal(-Errno.EINVAL, storeInLoop.Status);
        Assert.Equal(-Errno.EIO, unmapped.Status);
        Assert.Equal(1, fine.Status);
        Assert.Equal(3u, rig.Read(mem + 4));
        Assert.Contains("unknown opcode", rig.Rcs.RecordOf(unknown)!.Reason);
        Assert.Contains("inside a spin loop", rig.Rcs.RecordOf(storeInLoop)!.Reason);
        Assert.Equal(0, rig.Rcs.Hangs);
    }

    [VulkanFact]
    public void LoopHeadRewrittenWithAnythingButBatchEndIsAnError()
    {
        using var rig = new VulkanTestRig(fixture.Device);
        var spin = new SpinnerBatch(rig, withConditionalEnd: false);
        Request rq = rig.Submit(spin.Address);
        Poll.Until(() => spin.IsStarted, "the spinner to start");
        rig.Write(spin.Address + SpinnerBatch.LoopOffset, Mi.ArbCheck);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(VulkanRequestOutcome.Rejected, rig.Rcs.RecordOf(rq)!.Outcome);
    }
}
