using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Isa;

/// <summary>
/// A GT without hang recovery (engine ErrorInterrupt null): a fault completes the request with -EIO on the spot and
/// the engine carries on with the next request; nothing resets a batch that never ends.
/// </summary>
public class NoRecoveryTests
{
    [Fact]
    public void EnginesHaveNoErrorInterrupt()
    {
        using var h = new GtHarness();
        Assert.All(h.Gt.Engines, e => Assert.Null(e.ErrorInterrupt));
    }

    [Theory]
    [InlineData(0xDEAD_BEEFu)]
    [InlineData(0x0080_0000u)] // opcode 0x01
    [InlineData(0x1000_0003u)] // STORE_DWORD_IMM with length 3
    public void InvalidInstructionFailsTheRequestAndTheEngineCarriesOn(uint bad)
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        Request faulty = h.Submit(new BatchBuilder().StoreDword(target.At(0), 1).Emit(bad, 0, 0, 0).StoreDword(target.At(1), 2).End(), EngineId.Vcs0);
        Request next = h.Submit(new BatchBuilder().StoreDword(target.At(2), 3).End(), EngineId.Vcs0);
        Assert.True(faulty.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, faulty.Status);
        Assert.True(next.Wait(Bound.Long));
        Assert.Equal(1, next.Status);
        Assert.Equal([1u, 0u, 3u], new[] { target[0], target[1], target[2] });
        Engine engine = h.Gt[EngineId.Vcs0];
        Assert.Equal(1, engine.Faults);
        Assert.Equal(FaultKind.InvalidInstruction, engine.LastFault!.Kind);
        Assert.Same(faulty, engine.LastFault.Request);
        Assert.Equal(0, engine.ResetGeneration);
    }

    [Fact]
    public void StoreToUnmappedAddressFailsTheRequestAndTheEngineCarriesOn()
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        Request faulty = h.Submit(new BatchBuilder().StoreDword(0x0300_0000, 1).StoreDword(target.At(1), 2).End());
        Request next = h.Submit(new BatchBuilder().StoreDword(target.At(2), 3).End());
        Assert.True(next.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, faulty.Status);
        Assert.Equal(1, next.Status);
        Assert.Equal(0u, target[1]);
        Assert.Equal(3u, target[2]);
        Assert.Equal(FaultKind.PageFault, h.Gt[EngineId.Rcs0].LastFault!.Kind);
    }

    [Fact]
    public void FetchPastTheEndFaults()
    {
        using var h = new GtHarness();
        TestBuffer batch = h.NewBuffer(4096, fixedOffset: 0x0100_0000);
        Request rq = h.Submit(batch);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(0x0100_1000u, h.Gt[EngineId.Rcs0].LastFault!.Address);
    }

    [Fact]
    public void SeveralFaultsInARowAreEachCompleted()
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        var requests = Enumerable.Range(0, 6)
            .Select(i => h.Submit(i % 2 == 0 ? new BatchBuilder().Emit(0xDEAD_BEEF) : new BatchBuilder().StoreDword(target.At(i), 1).End(), EngineId.Bcs0))
            .ToList();
        for (int i = 0; i < requests.Count; i++)
        {
            Assert.True(requests[i].Wait(Bound.Long));
            Assert.Equal(i % 2 == 0 ? -Errno.EIO : 1, requests[i].Status);
        }
        Assert.Equal(3, h.Gt[EngineId.Bcs0].Faults);
        Assert.Equal([0u, 1u, 0u, 1u, 0u, 1u], Enumerable.Range(0, 6).Select(i => target[i]).ToArray());
    }

    [Fact]
    public void SelfJumpSpinsUntilTheCpuOverwritesIt()
    {
        using var h = new GtHarness();
        TestBuffer batch = h.NewBuffer();
        batch.Write(new BatchBuilder().Noop().Jump(batch.Address + 4));
        Request rq = h.Submit(batch, EngineId.Ccs0);
        Poll.Until(() => h.Gt[EngineId.Ccs0].Head == batch.Address + 4, "ccs0 to reach the loop");
        Assert.False(rq.IsSignaled);
        Assert.True(rq.Started);
        batch[1] = Mi.BatchBufferEnd;
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(0, h.Gt[EngineId.Ccs0].Faults);
    }
}
