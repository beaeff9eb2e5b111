using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Isa;

/// <summary>
/// Issue 19 item 4: the command streamer decodes the gen8+ (gen12) forms real i915 batches use — 64-bit addresses,
/// the length field telling them from GpuSim's short forms — and COND_BATCH_BUFFER_END has the hardware meaning
/// (the comparison says continue). Encodings as in the PRMs and IGT's headers (intel_gpu_commands.h):
/// STORE_DWORD_IMM 0x10000002, BATCH_BUFFER_START 0x18800101, COND_BB_END 0x1B200002 | op, SEMAPHORE_WAIT poll bit 15.
/// </summary>
public sealed class Gen12FormsTests
{
    [Fact]
    public void EncodersEmitTheGen12Headers()
    {
        Assert.Equal([0x1000_0002u, 0x1234_5678u, 0u, 7u], Mi.StoreDword64(0x1234_5678, 7));
        Assert.Equal([0x1880_0101u, 0x40u, 0u], Mi.BatchBufferStart64(0x40));
        Assert.Equal([0x1B20_0002u, 0x0500_0000u, 0xFF8u, 0u], Mi.ConditionalBatchBufferEnd64(0xFF8, CompareOp.Greater, Mi.BatchBufferEnd));
        Assert.Equal([0x0E00_C002u, 3u, 0x100u, 0u], Mi.SemaphoreWait64(0x100, CompareOp.Equal, 3));
    }

    [Fact]
    public void StoreDword64StoresWithOrWithoutTheGgttBit()
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        Request rq = h.Submit(new BatchBuilder()
            .StoreDword64(target.At(0), 0x11)
            .Emit(Mi.Header(MiOpcode.StoreDwordImm, Mi.UseGgtt | 2), target.At(1), 0, 0x22)
            .StoreDword(target.At(2), 0x33) // the short form still works beside it
            .End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal([0x11u, 0x22u, 0x33u], new[] { target[0], target[1], target[2] });
    }

    /// <summary>
    /// MI_STORE_DWORD_IMM with "Store Qword" (bit 21) and length 3 stores two dwords, the low one at the address (gen8+
    /// PRM; IGT's gem_softpin submit() emits 0x10200003 to write a 64-bit offset), with or without the GGTT bit.
    /// </summary>
    [Fact]
    public void StoreQwordStoresBothDwords()
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.Header(MiOpcode.StoreDwordImm, Mi.StoreQword | 3), target.At(0), 0, 0x1111, 0x2222)
            .Emit(Mi.Header(MiOpcode.StoreDwordImm, Mi.UseGgtt | Mi.StoreQword | 3), target.At(2), 0, 0x3333, 0x4444)
            .StoreDword(target.At(4), 0x55) // the next instruction is found after the 5 dwords
            .End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal([0x1111u, 0x2222u, 0x3333u, 0x4444u, 0x55u], new[] { target[0], target[1], target[2], target[3], target[4] });
        Assert.Equal(0x1020_0003u, Mi.Header(MiOpcode.StoreDwordImm, Mi.StoreQword | 3));
    }

    /// <summary>The qword bit belongs to the 5-dword form only: with length 2 it is a stray bit, an invalid instruction.</summary>
    [Fact]
    public void StoreQwordWithTheDwordLengthIsInvalid()
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.Header(MiOpcode.StoreDwordImm, Mi.StoreQword | 2), target.At(0), 0, 0x1111)
            .End(), EngineId.Vcs0);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(FaultKind.InvalidInstruction, h.Gt[EngineId.Vcs0].LastFault!.Kind);
        Assert.Equal(0u, target[0]);
    }

    /// <summary>GpuSim's GGTT is 4 GiB: an address with a non-zero upper dword maps nothing, so it faults.</summary>
    [Theory]
    [InlineData("store")]
    [InlineData("jump")]
    [InlineData("semaphore")]
    [InlineData("cond-end")]
    public void AnAddressAbove4GiBIsAPageFault(string form)
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        ulong high = (1UL << 32) | target.At(0);
        uint[] bad = form switch
        {
            "store" => Mi.StoreDword64(high, 1),
            "jump" => Mi.BatchBufferStart64(high),
            "semaphore" => Mi.SemaphoreWait64(high, CompareOp.Equal, 0),
            _ => Mi.ConditionalBatchBufferEnd64(high, CompareOp.Equal, 0),
        };
        Request faulty = h.Submit(new BatchBuilder().Emit(bad).StoreDword(target.At(1), 2).End(), EngineId.Vcs0);
        Assert.True(faulty.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, faulty.Status);
        Assert.Equal(FaultKind.PageFault, h.Gt[EngineId.Vcs0].LastFault!.Kind);
        Assert.Equal(0u, target[0]);
        Assert.Equal(0u, target[1]);
    }

    [Fact]
    public void BatchBufferStart64JumpsAndTheShortFormTakesBit8()
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        TestBuffer batch = h.NewBuffer();
        BatchBuilder b = new BatchBuilder()
            .Jump64(batch.At(6))                               // dwords 0..2
            .StoreDword(target.At(0), 1)                       // dwords 3..5, skipped
            .Emit(Mi.Header(MiOpcode.BatchBufferStart, Mi.AddressSpacePpgtt), batch.At(11)) // dwords 6..7
            .StoreDword(target.At(1), 2)                       // dwords 8..10, skipped
            .StoreDword(target.At(2), 3)                       // dwords 11..13
            .End();
        batch.Write(b);
        Request rq = h.Submit(batch);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal([0u, 0u, 3u], new[] { target[0], target[1], target[2] });
    }

    [Fact]
    public void SemaphoreWait64PollsUntilTheCompareHolds()
    {
        using var h = new GtHarness();
        TestBuffer sem = h.NewBuffer();
        Request rq = h.Submit(new BatchBuilder()
            .StoreDword64(sem.At(1), 1)
            .SemaphoreWait64(sem.At(0), CompareOp.GreaterOrEqual, 5)
            .StoreDword64(sem.At(2), 2)
            .End());
        Poll.Until(() => sem[1] == 1, "the batch reached the semaphore", () => $"dword1={sem[1]}", Bound.Long);
        sem[0] = 4;
        Assert.False(rq.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0u, sem[2]);
        sem[0] = 5;
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(2u, sem[2]);
    }

    /// <summary>MI_CONDITIONAL_BATCH_BUFFER_END: continue while memory op data holds; end when it fails.</summary>
    [Theory]
    [InlineData(true, CompareOp.Greater, 11u, false)]
    [InlineData(true, CompareOp.Greater, 10u, true)]
    [InlineData(true, CompareOp.NotEqual, 10u, true)]
    [InlineData(true, CompareOp.NotEqual, 11u, false)]
    [InlineData(false, CompareOp.Greater, 11u, false)]
    [InlineData(false, CompareOp.Greater, 10u, true)]
    [InlineData(false, CompareOp.Equal, 10u, false)]
    [InlineData(false, CompareOp.Equal, 11u, true)]
    public void ConditionalEndContinuesWhileTheCompareHolds(bool gen12, CompareOp op, uint memory, bool ends)
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        buf[0] = memory;
        BatchBuilder b = new BatchBuilder().StoreDword(buf.At(1), 1);
        b = gen12 ? b.ConditionalEnd64(buf.At(0), op, 10) : b.ConditionalEnd(buf.At(0), op, 10);
        Request rq = h.Submit(b.StoreDword(buf.At(2), 2).End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(1u, buf[1]);
        Assert.Equal(ends ? 0u : 2u, buf[2]);
    }

    /// <summary>Without the compare bit the gen8+ form's meaning is not modelled: an invalid instruction.</summary>
    [Fact]
    public void ConditionalEnd64WithoutTheCompareBitIsInvalid()
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        Request rq = h.Submit(new BatchBuilder().Emit(Mi.Header(MiOpcode.ConditionalBatchBufferEnd, 2), 0, buf.At(0), 0).End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(FaultKind.InvalidInstruction, h.Gt[EngineId.Rcs0].LastFault!.Kind);
    }

    /// <summary>
    /// A batch laid out as IGT's gen12 igt_spin (emit_recursive_batch): a 4 KiB batch whose "started" store goes to a
    /// poll object, a loop from byte 64 of ARB_CHECK, NOOP padding, COND_BB_END (GT, data BB_END) on the condition
    /// dword at byte 4088, and BB_START back to byte 64. It spins while the condition (0xffffffff) is greater than
    /// BB_END, and ends when igt_spin_end writes MI_BATCH_BUFFER_END there.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IgtSpinGen12LayoutSpinsUntilItsConditionIsWritten(bool fast)
    {
        using var h = new GtHarness();
        TestBuffer batch = h.NewBuffer();
        TestBuffer poll = h.NewBuffer();
        const uint LoopStart = 64, Condition = 4096 - 8;
        uint[] dwords = new uint[1024];
        int i = 0;
        foreach (uint d in new uint[] { 0x1000_0002, poll.At(0), 0, 1 })
        {
            dwords[i++] = d;
        }

        i = (int)LoopStart / 4;
        dwords[i++] = 0x0280_0000; // ARB_CHECK
        i += fast ? 0 : 960;       // NOOP padding (zeros)
        foreach (uint d in new uint[] { 0x1B20_0002, 0x0500_0000, batch.At((int)Condition / 4), 0, 0x1880_0101, batch.Address + LoopStart, 0 })
        {
            dwords[i++] = d;
        }

        dwords[Condition / 4] = 0xffff_ffff;
        dwords[(Condition / 4) + 1] = 0xffff_ffff;
        batch.Object.WriteDwords(0, dwords);

        Request rq = h.Submit(batch, EngineId.Rcs0);
        Poll.Until(() => poll[0] == 1, "igt_spin_busywait_until_started", () => $"poll={poll[0]}", Bound.Long);
        Assert.False(rq.Wait(TimeSpan.FromMilliseconds(20)));

        batch[(int)Condition / 4] = Mi.BatchBufferEnd; // igt_spin_end
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Null(h.Gt[EngineId.Rcs0].LastFault);
    }

    /// <summary>IGT's INVALID_CS spinner puts 0xdeadbeef after the ARB_CHECK: an invalid command that stops the engine.</summary>
    [Fact]
    public void IgtSpinInvalidCsStopsTheEngineAsAnInvalidCommand()
    {
        using var h = new GtHarness();
        TestBuffer batch = h.NewBuffer();
        batch.Write(new BatchBuilder()
            .ArbCheck()
            .Emit(0xdead_beef)
            .ConditionalEnd64(batch.At(1022), CompareOp.Greater, Mi.BatchBufferEnd)
            .Jump64(batch.Address));
        batch[1022] = 0xffff_ffff;
        Request rq = h.Submit(batch, EngineId.Bcs0);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        EngineFault fault = h.Gt[EngineId.Bcs0].LastFault!;
        Assert.Equal(FaultKind.InvalidInstruction, fault.Kind);
        Assert.Equal(batch.At(1), fault.Address);
        Assert.Equal(0xdead_beefu, fault.Dword);
    }
}
