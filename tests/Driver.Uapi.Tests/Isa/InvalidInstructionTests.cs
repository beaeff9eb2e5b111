using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Isa;

/// <summary>
/// Invalid instructions are engine faults, handled as hangs: the request fails with -EIO, its engine (only) is
/// reset once, and the next batch on that engine runs normally.
/// </summary>
public class InvalidInstructionTests
{
    /// <summary>Named instruction sequences that must fault as invalid (the names keep test cases readable).</summary>
    public static TheoryData<string> Cases => new()
    {
        "client-bits-1", "client-bits-7", "deadbeef", "unknown-opcode-01", "unknown-opcode-3f", "unknown-opcode-21",
        "store-length-0", "store-length-3", "store-stray-bits", "store64-stray-bits", "semaphore-length-3",
        "semaphore64-stray-bits", "semaphore-op-6", "semaphore-op-7", "cond-end-length-0", "cond-end-op-6",
        "cond-end64-without-compare", "cond-end64-op-7", "jump-length-2", "jump-stray-bits", "work-length-1",
        "batch-end-stray-bits", "arb-check-stray-bits",
    };

    private static uint[] Encode(string name, uint scratch) => name switch
    {
        "client-bits-1" => [0x2000_0000],
        "client-bits-7" => [0xE000_0000 | Mi.BatchBufferEnd],
        "deadbeef" => [0xDEAD_BEEF],
        "unknown-opcode-01" => [Mi.Header(0x01)],
        "unknown-opcode-3f" => [Mi.Header(0x3F)],
        "unknown-opcode-21" => [Mi.Header(0x21, 1), scratch, 1],
        "store-length-0" => [Mi.Header(MiOpcode.StoreDwordImm, 0), scratch, 1],
        "store-length-3" => [Mi.Header(MiOpcode.StoreDwordImm, 3), scratch, 0, 1, 0],
        "store64-stray-bits" => [Mi.Header(MiOpcode.StoreDwordImm, 2 | (1u << 21)), scratch, 0, 1],
        "store-stray-bits" => [Mi.Header(MiOpcode.StoreDwordImm, 1 | 0x100), scratch, 1],
        "semaphore-length-3" => [Mi.Header(MiOpcode.SemaphoreWait, Mi.SemaphorePoll | 3), 0, scratch, 0, 0],
        "semaphore64-stray-bits" => [Mi.Header(MiOpcode.SemaphoreWait, Mi.SemaphorePoll | (1u << 16) | 2), 0, scratch, 0],
        "semaphore-op-6" => [Mi.Header(MiOpcode.SemaphoreWait, (6u << 12) | 1), 0, scratch],
        "semaphore-op-7" => [Mi.Header(MiOpcode.SemaphoreWait, (7u << 12) | 1), 0, scratch],
        "cond-end-length-0" => [Mi.Header(MiOpcode.ConditionalBatchBufferEnd, 0), 0, scratch],
        "cond-end-op-6" => [Mi.Header(MiOpcode.ConditionalBatchBufferEnd, (6u << 12) | 1), 0, scratch],
        "cond-end64-without-compare" => [Mi.Header(MiOpcode.ConditionalBatchBufferEnd, 2), 0, scratch, 0],
        "cond-end64-op-7" => [Mi.Header(MiOpcode.ConditionalBatchBufferEnd, Mi.DoCompare | (7u << 12) | 2), 0, scratch, 0],
        "jump-length-2" => [Mi.Header(MiOpcode.BatchBufferStart, Mi.AddressSpacePpgtt | 2), scratch, 0, 0],
        "jump-stray-bits" => [Mi.Header(MiOpcode.BatchBufferStart, 1u << 15), scratch],
        "work-length-1" => [Mi.Header(MiOpcode.Work, 1), 10, 0],
        "batch-end-stray-bits" => [Mi.BatchBufferEnd | 1],
        "arb-check-stray-bits" => [Mi.ArbCheck | 0x10],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FaultsResetsTheEngineAndTheNextBatchRuns(string name)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder()
            .StoreDword(target.At(0), 1)          // bytes 0..11 run
            .Emit(Encode(name, target.At(8)))     // byte 12 faults
            .StoreDword(target.At(1), 2)
            .End());
        DmaFence f = t.Submit(batch, EngineId.Vecs0, 0, null, target);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        Assert.Equal(1u, target[0]);
        Assert.Equal(0u, target[1]);
        Assert.Equal(0u, target[8]);
        EngineFault? fault = t.Engine(EngineId.Vecs0).LastFault;
        Assert.NotNull(fault);
        Assert.Equal(FaultKind.InvalidInstruction, fault.Kind);
        Assert.Equal(batch.Address + 12, fault.Address);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.VideoEnhance));
        Assert.Equal(1, t.Dev.Reset.TotalEngineResets);
        Assert.Equal(0, t.Dev.Reset.ResetCount);
        t.AssertWorks(EngineId.Vecs0);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.VideoEnhance));
    }

    [Fact]
    public void FaultIsReportedAsGuiltyInResetStats()
    {
        using var t = TestDevice.WithoutHeartbeat();
        DmaFence f = t.Submit(new BatchBuilder().Emit(0xDEAD_BEEF));
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        Assert.Equal(0, t.Dev.GetResetStats(t.Client, 0, out ResetStats stats));
        Assert.Equal(1, stats.BatchActive);
        Assert.Equal(0, stats.BatchPending);
    }
}
