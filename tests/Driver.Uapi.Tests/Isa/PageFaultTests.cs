using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Isa;

/// <summary>Accesses through the GGTT to unmapped addresses fault; with hang recovery the engine is reset.</summary>
public class PageFaultTests
{
    /// <summary>An address in the Fast configuration's 512 MiB GGTT that nothing is bound at.</summary>
    private const uint Unmapped = 0x1F00_0000;

    public static TheoryData<string> Cases => new()
    {
        "store-guard-page", "store-unmapped", "store-misaligned", "store-beyond-ggtt", "semaphore-unmapped",
        "cond-end-unmapped", "jump-unmapped",
    };

    private static BatchBuilder Build(string name, TestBuffer target) => name switch
    {
        "store-guard-page" => new BatchBuilder().StoreDword(0, 1),
        "store-unmapped" => new BatchBuilder().StoreDword(Unmapped, 1),
        "store-misaligned" => new BatchBuilder().StoreDword(target.At(4) + 2, 1),
        "store-beyond-ggtt" => new BatchBuilder().StoreDword(0xFFFF_FFF0, 1),
        "semaphore-unmapped" => new BatchBuilder().SemaphoreWait(Unmapped, CompareOp.Equal, 0),
        "cond-end-unmapped" => new BatchBuilder().ConditionalEnd(Unmapped, CompareOp.Equal, 0),
        "jump-unmapped" => new BatchBuilder().Jump(Unmapped),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnmappedAccessFaultsAndResetsTheEngine(string name)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().StoreDword(target.At(0), 1)
            .Emit(Build(name, target).ToArray())
            .StoreDword(target.At(1), 2).End());
        DmaFence f = t.Submit(batch, EngineId.Rcs0, 0, null, target);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        Assert.Equal(1u, target[0]);
        Assert.Equal(0u, target[1]);
        Assert.Equal(0u, target[4]);
        EngineFault fault = t.Engine(EngineId.Rcs0).LastFault!;
        Assert.Equal(FaultKind.PageFault, fault.Kind);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.Render));
        t.AssertWorks(EngineId.Rcs0);
    }

    [Fact]
    public void FetchPastTheEndOfTheBatchFaults()
    {
        using var t = TestDevice.WithoutHeartbeat();
        // A fresh object is all zeros: 1024 NOOPs and no BATCH_BUFFER_END. Nothing is bound after it.
        TestBuffer batch = t.NewBuffer(4096, fixedOffset: 0x1000_0000);
        DmaFence f = t.Submit(batch, EngineId.Ccs0);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        EngineFault fault = t.Engine(EngineId.Ccs0).LastFault!;
        Assert.Equal(FaultKind.PageFault, fault.Kind);
        Assert.Equal(0x1000_1000u, fault.Address);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.Compute));
        t.AssertWorks(EngineId.Ccs0);
    }

    [Theory]
    [InlineData(EngineId.Rcs0)]
    [InlineData(EngineId.Bcs0)]
    [InlineData(EngineId.Vcs0)]
    [InlineData(EngineId.Vecs0)]
    [InlineData(EngineId.Ccs0)]
    public void OnlyTheFaultingEngineIsReset(EngineId engine)
    {
        using var t = TestDevice.WithoutHeartbeat();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(Unmapped, 1).End(), engine);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        foreach (EngineId other in EngineIds.All)
        {
            Assert.Equal(other == engine ? 1 : 0, t.Dev.Reset.EngineResetCount(other.Class()));
        }

        Assert.Equal(0, t.Dev.Reset.ResetCount);
        foreach (EngineId other in EngineIds.All)
        {
            t.AssertWorks(other);
        }
    }

    [Fact]
    public void QueuedRequestsBehindAFaultStillRun()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        DmaFence bad = t.Submit(new BatchBuilder().StoreDword(Unmapped, 1).End());
        var good = Enumerable.Range(0, 4).Select(i => t.Submit(new BatchBuilder().StoreDword(target.At(i), (uint)i + 1).End())).ToList();
        Assert.True(bad.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, bad.Status);
        for (int i = 0; i < good.Count; i++)
        {
            Assert.True(good[i].Wait(Bound.Long));
            Assert.Equal(1, good[i].Status);
            Assert.Equal((uint)i + 1, target[i]);
        }
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.Render));
    }
}
