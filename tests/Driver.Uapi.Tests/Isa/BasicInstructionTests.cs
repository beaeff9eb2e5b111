using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Isa;

/// <summary>NOOP, BATCH_BUFFER_END, STORE_DWORD_IMM, ARB_CHECK and WORK on a device with hang recovery.</summary>
public class BasicInstructionTests
{
    [Fact]
    public void BatchBufferEndAloneCompletes()
    {
        using var t = TestDevice.WithoutHeartbeat();
        DmaFence f = t.Submit(new BatchBuilder().End());
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
    }

    [Fact]
    public void NoopsAreSkippedIncludingIgnoredBits()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        // NOOP ignores bits 22:0; a long NOOP sled also crosses several safe points.
        BatchBuilder b = new BatchBuilder().Noop(600).Emit(0x007FFFFF, 0x00000001).StoreDword(target.At(0), 0x11).End();
        DmaFence f = t.Submit(b);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(0x11u, target[0]);
    }

    [Fact]
    public void InstructionsAfterBatchBufferEndDoNotRun()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 1).End().StoreDword(target.At(1), 2).End());
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(1u, target[0]);
        Assert.Equal(0u, target[1]);
    }

    [Theory]
    [InlineData(EngineId.Rcs0)]
    [InlineData(EngineId.Bcs0)]
    [InlineData(EngineId.Vcs0)]
    [InlineData(EngineId.Vecs0)]
    [InlineData(EngineId.Ccs0)]
    public void StoresLandInEveryTargetOnEveryEngine(EngineId engine)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer a = t.NewBuffer();
        TestBuffer b = t.NewBuffer(3 * 4096);
        DmaFence f = t.Submit(new BatchBuilder()
            .StoreDword(a.At(0), 0xdeadbeef)
            .StoreDword(a.At(1023), 0xffffffff)
            .StoreDword(b.At(2048), 42)
            .StoreDword(a.At(0), 0xcafe) // a later store to the same dword wins
            .End(), engine);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(0xcafeu, a[0]);
        Assert.Equal(0xffffffffu, a[1023]);
        Assert.Equal(42u, b[2048]);
        Assert.Equal(0u, b[0]);
    }

    [Fact]
    public void ArbCheckIsAnArbitrationPointThatOtherwiseDoesNothing()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        DmaFence f = t.Submit(new BatchBuilder().ArbCheck().StoreDword(target.At(0), 5).ArbCheck().ArbCheck().End());
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(5u, target[0]);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1000u)]
    [InlineData(2_000_000u)]
    public void WorkCompletes(uint nanoseconds)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        DmaFence f = t.Submit(new BatchBuilder().Work(nanoseconds).StoreDword(target.At(0), 9).Work(nanoseconds).End(), EngineId.Ccs0);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(9u, target[0]);
    }

    [Fact]
    public void BatchMayStartAtAnOffset()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        TestBuffer batch = t.NewBuffer();
        // Dword 0..2 would store 1; the batch starts at byte 12 and stores 2 only.
        batch.Write(new BatchBuilder().StoreDword(target.At(0), 1).StoreDword(target.At(1), 2).End());
        Assert.Equal(0, t.Dev.Execbuf(new Driver.Uapi.ExecbufArgs
        {
            Client = t.Client,
            Engine = 0,
            BatchHandle = batch.Handle,
            BatchOffset = 12,
        }, out DmaFence? f));
        Assert.True(f!.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(0u, target[0]);
        Assert.Equal(2u, target[1]);
    }
}
