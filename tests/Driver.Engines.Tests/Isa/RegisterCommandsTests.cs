using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Isa;

/// <summary>
/// The register commands and the ALU as gen12 hardware has them and as IGT's gem_exec_fence (build_wait_bb,
/// build_increment_engine_bb) drives them. Encodings from i915/IGT intel_gpu_commands.h; meanings from the PRM:
/// MI_LOAD_REGISTER_IMM (0x22, length 2n-1), MI_STORE_REGISTER_MEM (0x24) and MI_LOAD_REGISTER_MEM (0x29) in their
/// gen8+ 64-bit forms (length 2), MI_LOAD_REGISTER_REG (0x2A, length 1), MI_MATH (0x1A, length n-1) and
/// MI_BATCH_BUFFER_START's predication bit 15 (jump only when MI_PREDICATE_RESULT_1 bit 0 is set). Registers at the
/// engine's mmio_base (intel_engine_info): CS_GPR(n) at +0x600 + 8n, RING_TIMESTAMP at +0x358,
/// MI_PREDICATE_RESULT_1 at +0x41c.
/// </summary>
public sealed class RegisterCommandsTests
{
    private const uint GprHigh = 4;

    [Fact]
    public void EncodersEmitTheGen12Headers()
    {
        // MI_INSTR(op, len) = op << 23 | len.
        Assert.Equal([0x1100_0001u, 0x2600u, 7u], Mi.LoadRegisterImm((0x2600, 7)));
        Assert.Equal([0x1100_0003u, 0x2600u, 7u, 0x2604u, 8u], Mi.LoadRegisterImm((0x2600, 7), (0x2604, 8)));
        Assert.Equal([0x1500_0001u, 0x2358u, 0x2608u], Mi.LoadRegisterReg(0x2358, 0x2608));
        Assert.Equal([0x1480_0002u, 0x2600u, 0x40u, 0u], Mi.LoadRegisterMem64(0x2600, 0x40));
        Assert.Equal([0x1200_0002u, 0x2600u, 0x40u, 0u], Mi.StoreRegisterMem64(0x2600, 0x40));
        Assert.Equal([0x1880_8001u, 0x40u, 0u], Mi.BatchBufferStart64Predicated(0x40));
        // MI_MATH(4) and MI_MATH_INSTR(opcode, op1, op2) = opcode << 20 | op1 << 10 | op2.
        Assert.Equal(0x0D00_0003u, Mi.Math(0, 0, 0, 0)[0]);
        Assert.Equal(0x0800_8002u, Alu.Instr(Alu.Load, Alu.SrcA, Alu.Reg(2)));
        Assert.Equal(0x1010_0000u, Alu.Instr(Alu.Sub));
        Assert.Equal(0x1800_0C31u, Alu.Instr(Alu.Store, Alu.Reg(3), Alu.Accu));
        Assert.Equal(0x5800_1033u, Alu.Instr(Alu.StoreInv, Alu.Reg(4), Alu.Cf));
    }

    /// <summary>intel_engine_info (gen12): the bases sysfs engine/*/mmio_base and IGT's gem_engine_mmio_base report.</summary>
    [Theory]
    [InlineData(EngineId.Rcs0, 0x2000u)]
    [InlineData(EngineId.Bcs0, 0x22000u)]
    [InlineData(EngineId.Vcs0, 0x1c0000u)]
    [InlineData(EngineId.Vecs0, 0x1c8000u)]
    public void LriThenSrmStoresBothHalvesOfAGprAtTheEnginesMmioBase(EngineId engine, uint mmioBase)
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        uint gpr7 = mmioBase + 0x600 + (8 * 7);
        Assert.Equal(gpr7, EngineMmio.Gpr(engine, 7));
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.LoadRegisterImm((gpr7, 0x1111_2222), (gpr7 + GprHigh, 0x3333_4444)))
            .Emit(Mi.StoreRegisterMem64(gpr7, target.At(0)))
            .Emit(Mi.StoreRegisterMem64(gpr7 + GprHigh, target.At(1)))
            .End(), engine);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal([0x1111_2222u, 0x3333_4444u], new[] { target[0], target[1] });
    }

    [Fact]
    public void LrmLoadsFromMemoryAndLrrCopiesARegister()
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        buf[0] = 0xCAFE_F00D;
        uint gpr0 = EngineMmio.Gpr(EngineId.Rcs0, 0), gpr9 = EngineMmio.Gpr(EngineId.Rcs0, 9);
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.LoadRegisterMem64(gpr0, buf.At(0)))
            .Emit(Mi.LoadRegisterReg(gpr0, gpr9 + GprHigh))
            .Emit(Mi.StoreRegisterMem64(gpr9, buf.At(1)))
            .Emit(Mi.StoreRegisterMem64(gpr9 + GprHigh, buf.At(2)))
            .End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal([0u, 0xCAFE_F00Du], new[] { buf[1], buf[2] });
    }

    /// <summary>
    /// The ALU (PRM "ALU Programming"): ADD's CF is the carry out of bit 63, SUB's the borrow; AND/OR/XOR clear it;
    /// ZF says the result is 0; a flag reads as all ones when set; LOADINV/STOREINV invert every bit; LOAD0/LOAD1
    /// load the constants.
    /// </summary>
    [Theory]
    [InlineData(Alu.Add, 5UL, 7UL, Alu.Accu, 12UL)]
    [InlineData(Alu.Add, ulong.MaxValue, 1UL, Alu.Accu, 0UL)]
    [InlineData(Alu.Add, ulong.MaxValue, 1UL, Alu.Cf, ulong.MaxValue)]   // carry out
    [InlineData(Alu.Add, ulong.MaxValue, 1UL, Alu.Zf, ulong.MaxValue)]   // result 0
    [InlineData(Alu.Add, 0xFFFF_FFFFUL, 1UL, Alu.Cf, 0UL)]               // 32-bit overflow is no carry: 64-bit ALU
    [InlineData(Alu.Add, 0xFFFF_FFFFUL, 1UL, Alu.Accu, 0x1_0000_0000UL)]
    [InlineData(Alu.Sub, 7UL, 5UL, Alu.Accu, 2UL)]
    [InlineData(Alu.Sub, 7UL, 5UL, Alu.Cf, 0UL)]
    [InlineData(Alu.Sub, 5UL, 7UL, Alu.Cf, ulong.MaxValue)]              // borrow
    [InlineData(Alu.Sub, 5UL, 7UL, Alu.Accu, 0xFFFF_FFFF_FFFF_FFFEUL)]
    [InlineData(Alu.Sub, 5UL, 5UL, Alu.Zf, ulong.MaxValue)]
    [InlineData(Alu.And, 0xF0F0UL, 0xFF00UL, Alu.Accu, 0xF000UL)]
    [InlineData(Alu.Or, 0xF0F0UL, 0xFF00UL, Alu.Accu, 0xFFF0UL)]
    [InlineData(Alu.Xor, 0xF0F0UL, 0xFF00UL, Alu.Accu, 0x0FF0UL)]
    [InlineData(Alu.Xor, 0xF0F0UL, 0xF0F0UL, Alu.Zf, ulong.MaxValue)]
    public void AluOpsComputeResultAndFlags(uint op, ulong a, ulong b, uint result, ulong expected)
    {
        Assert.Equal(expected, RunAlu(a, b, Alu.Instr(Alu.Load, Alu.SrcA, Alu.Reg(0)), Alu.Instr(Alu.Load, Alu.SrcB, Alu.Reg(1)),
            Alu.Instr(op), Alu.Instr(Alu.Store, Alu.Reg(2), result)));
    }

    [Fact]
    public void LoadInvStoreInvLoad0AndLoad1()
    {
        // ~a + 1 = -a: the two's complement via LOADINV and LOAD1.
        Assert.Equal(unchecked((ulong)-5L), RunAlu(5, 0, Alu.Instr(Alu.LoadInv, Alu.SrcA, Alu.Reg(0)), Alu.Instr(Alu.Load1, Alu.SrcB),
            Alu.Instr(Alu.Add), Alu.Instr(Alu.Store, Alu.Reg(2), Alu.Accu)));
        // STOREINV of a clear CF is all ones; LOAD0 + LOAD0 sets ZF.
        Assert.Equal(ulong.MaxValue, RunAlu(0, 0, Alu.Instr(Alu.Load0, Alu.SrcA), Alu.Instr(Alu.Load0, Alu.SrcB),
            Alu.Instr(Alu.Add), Alu.Instr(Alu.StoreInv, Alu.Reg(2), Alu.Cf)));
        Assert.Equal(ulong.MaxValue, RunAlu(9, 9, Alu.Instr(Alu.Load0, Alu.SrcA), Alu.Instr(Alu.Load0, Alu.SrcB),
            Alu.Instr(Alu.Or), Alu.Instr(Alu.Store, Alu.Reg(2), Alu.Zf)));
    }

    /// <summary>MI_BATCH_BUFFER_START bit 15: the jump is ignored unless MI_PREDICATE_RESULT_1 bit 0 is set.</summary>
    [Theory]
    [InlineData(0u, false)]
    [InlineData(1u, true)]
    [InlineData(2u, false)]
    [InlineData(0xFFFF_FFFFu, true)]
    public void PredicatedJumpIsTakenOnlyWhenPredicateResult1Bit0IsSet(uint predicate, bool taken)
    {
        using var h = new GtHarness();
        TestBuffer target = h.NewBuffer();
        TestBuffer batch = h.NewBuffer();
        batch.Write(new BatchBuilder()
            .Emit(Mi.LoadRegisterImm((0x2000 + EngineMmio.PredicateResult1, predicate))) // dwords 0..2
            .Emit(Mi.BatchBufferStart64Predicated(batch.At(9)))                          // dwords 3..5
            .StoreDword(target.At(0), 1)                                                 // dwords 6..8: fall through
            .StoreDword(target.At(1), 2)                                                 // dwords 9..11: jump target
            .End());
        Request rq = h.Submit(batch);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(taken ? 0u : 1u, target[0]);
        Assert.Equal(2u, target[1]);
    }

    /// <summary>
    /// gem_exec_fence's build_wait_bb on gen12.0: loop reading RING_TIMESTAMP until it is more than the delay past
    /// the first read (CF of wait_value + elapsed, inverted into MI_PREDICATE_RESULT_1, a predicated jump back). The
    /// loop ends, and not before RING_TIMESTAMP advanced by the delay (the timestamps stored around it say so).
    /// </summary>
    [Theory]
    [InlineData(EngineId.Rcs0)]
    [InlineData(EngineId.Vecs0)]
    public void IgtTimestampWaitLoopEndsAfterItsDelay(EngineId engine)
    {
        using var h = new GtHarness();
        TestBuffer stamps = h.NewBuffer();
        TestBuffer batch = h.NewBuffer();
        uint mmio = EngineMmio.MmioBase(engine);
        uint ts = mmio + EngineMmio.RingTimestamp;
        uint Gpr(int n) => EngineMmio.Gpr(engine, n);
        const ulong Delay = 5 * EngineMmio.CsTimestampFrequencyHz / 1000; // 5 ms in ticks
        ulong waitValue = ulong.MaxValue - Delay;
        BatchBuilder b = new BatchBuilder()
            .Emit(Mi.StoreRegisterMem64(ts, stamps.At(0)))
            .Emit(Mi.LoadRegisterImm((Gpr(0), (uint)waitValue)))
            .Emit(Mi.LoadRegisterImm((Gpr(0) + GprHigh, (uint)(waitValue >> 32))))
            .Emit(Mi.LoadRegisterReg(ts, Gpr(1)))
            .Emit(Mi.LoadRegisterImm((Gpr(1) + GprHigh, 0)))
            .Emit(Mi.LoadRegisterImm((Gpr(2) + GprHigh, 0)));
        uint loop = batch.Address + b.Offset;
        b.Emit(Mi.LoadRegisterReg(ts, Gpr(2)))
            .Emit(Mi.Math(Alu.Instr(Alu.Load, Alu.SrcA, Alu.Reg(2)), Alu.Instr(Alu.Load, Alu.SrcB, Alu.Reg(1)),
                Alu.Instr(Alu.Sub), Alu.Instr(Alu.Store, Alu.Reg(3), Alu.Accu)))
            .Emit(Mi.Math(Alu.Instr(Alu.Load, Alu.SrcA, Alu.Reg(0)), Alu.Instr(Alu.Load, Alu.SrcB, Alu.Reg(3)),
                Alu.Instr(Alu.Add), Alu.Instr(Alu.StoreInv, Alu.Reg(4), Alu.Cf)))
            .Emit(Mi.LoadRegisterReg(Gpr(4), mmio + EngineMmio.PredicateResult1))
            .Emit(Mi.BatchBufferStart64Predicated(loop))
            .Emit(Mi.StoreRegisterMem64(ts, stamps.At(1)))
            .End();
        batch.Write(b);
        Request rq = h.Submit(batch, engine);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Null(h.Gt[engine].LastFault);
        Assert.True(unchecked(stamps[1] - stamps[0]) > Delay, $"timestamps 0x{stamps[0]:x} .. 0x{stamps[1]:x}");
    }

    /// <summary>
    /// The GPRs are context state (the LRC image saves and restores them): a context preempted at an arbitration
    /// point finds its GPR as it left it, and the preempting context, on the same engine, never sees it.
    /// </summary>
    [Fact]
    public void GprsAreContextStateAcrossAPreemption()
    {
        using var h = new GtHarness();
        Engine rcs = h.Gt[EngineId.Rcs0];
        rcs.TimesliceDuration = TimeSpan.Zero;
        GpuContext low = h.Client.CreateContext();
        GpuContext high = h.Client.CreateContext();
        high.Priority = 1;
        uint gpr5 = EngineMmio.Gpr(EngineId.Rcs0, 5);
        TestBuffer flags = h.NewBuffer();
        TestBuffer spin = h.NewBuffer();
        BatchBuilder b = new BatchBuilder()
            .Emit(Mi.LoadRegisterImm((gpr5, 0xAAAA_0001)))
            .StoreDword(flags.At(0), 1);
        int loopDword = b.Count;
        b.ArbCheck().Jump(spin.At(loopDword));
        int exitDword = b.Count;
        b.Emit(Mi.StoreRegisterMem64(gpr5, flags.At(1)))
            .End();
        spin.Write(b);
        Request spinner = h.Submit(spin, context: low);
        Poll.Until(() => flags[0] == 1, "the spinner to load its GPR and start");
        flags[2] = 0xFFFF_FFFF;

        Request urgent = h.Submit(new BatchBuilder()
            .Emit(Mi.StoreRegisterMem64(gpr5, flags.At(2)))     // its own image: never written, 0
            .Emit(Mi.LoadRegisterImm((gpr5, 0xBBBB_0002)))
            .End(), context: high);
        Assert.True(urgent.Wait(Bound.Long));
        Assert.Equal(1, urgent.Status);
        Assert.True(((ExeclistsEngine)rcs).Preemptions >= 1);

        Poll.Until(() => rcs.Active == spinner, "the spinner to get rcs0 back");
        spin[loopDword + 2] = spin.At(exitDword); // the jump back now jumps forward, out of the loop
        Assert.True(spinner.Wait(Bound.Long));
        Assert.Equal(1, spinner.Status);
        Assert.Equal(0u, flags[2]);
        Assert.Equal(0xAAAA_0001u, flags[1]);
    }

    /// <summary>
    /// Registers outside the modelled set: a write is dropped and a read is 0 (as a non-privileged batch's write to a
    /// register off the allow-list is dropped), another engine's GPR included; RING_TIMESTAMP cannot be written.
    /// </summary>
    [Fact]
    public void UnmodelledRegistersDropWritesAndReadZero()
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        uint bcsGpr0 = EngineMmio.Gpr(EngineId.Bcs0, 0);
        buf[0] = buf[1] = buf[3] = 0xFFFF_FFFF;
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.LoadRegisterImm((0x2100, 5), (bcsGpr0, 6), (0x2000 + EngineMmio.RingTimestamp + 4, 0xFFFF_FFFF)))
            .Emit(Mi.StoreRegisterMem64(0x2100, buf.At(0)))
            .Emit(Mi.StoreRegisterMem64(bcsGpr0, buf.At(1)))
            .Emit(Mi.StoreRegisterMem64(0x2000 + EngineMmio.RingTimestamp + 4, buf.At(2)))
            .End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(0u, buf[0]);
        Assert.Equal(0u, buf[1]);
        Assert.NotEqual(0xFFFF_FFFFu, buf[2]);
        // A bcs0 batch sees its own GPR0, untouched by the rcs0 batch's write.
        Request bcs = h.Submit(new BatchBuilder().Emit(Mi.StoreRegisterMem64(bcsGpr0, buf.At(3))).End(), EngineId.Bcs0);
        Assert.True(bcs.Wait(Bound.Long));
        Assert.Equal(0u, buf[3]);
    }

    /// <summary>What is not modelled keeps today's behaviour: an invalid instruction fault (the request gets -EIO).</summary>
    [Theory]
    [InlineData("lri-even-length")]
    [InlineData("lri-byte-disable")]
    [InlineData("srm-predicated")]
    [InlineData("lrm-short-form")]
    [InlineData("alu-shl")]
    [InlineData("alu-store-to-srca")]
    [InlineData("alu-load-from-0x40")]
    public void UnmodelledFormsAreInvalidInstructions(string form)
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        uint gpr0 = EngineMmio.Gpr(EngineId.Rcs0, 0);
        uint[] bad = form switch
        {
            "lri-even-length" => [Mi.Header(MiOpcode.LoadRegisterImm, 2), gpr0, 1, 0],
            "lri-byte-disable" => [Mi.Header(MiOpcode.LoadRegisterImm, 0x100 | 1), gpr0, 1],
            "srm-predicated" => [Mi.Header(MiOpcode.StoreRegisterMem, (1u << 21) | 2), gpr0, buf.At(0), 0],
            "lrm-short-form" => [Mi.Header(MiOpcode.LoadRegisterMem, 1), gpr0, buf.At(0)],
            "alu-shl" => Mi.Math(Alu.Instr(0x105)),
            "alu-store-to-srca" => Mi.Math(Alu.Instr(Alu.Store, Alu.SrcA, Alu.Accu)),
            _ => Mi.Math(Alu.Instr(Alu.Load, Alu.SrcA, 0x40)),
        };
        Request rq = h.Submit(new BatchBuilder().Emit(bad).StoreDword(buf.At(1), 1).End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(FaultKind.InvalidInstruction, h.Gt[EngineId.Rcs0].LastFault!.Kind);
        Assert.Equal(0u, buf[1]);
    }

    [Fact]
    public void SrmToAnAddressAbove4GiBIsAPageFault()
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.StoreRegisterMem64(EngineMmio.Gpr(EngineId.Rcs0, 0), (1UL << 32) | buf.At(0))).End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(FaultKind.PageFault, h.Gt[EngineId.Rcs0].LastFault!.Kind);
    }

    /// <summary>Runs GPR0 = <paramref name="a"/>, GPR1 = <paramref name="b"/>, MI_MATH(<paramref name="alu"/>) on rcs0; returns GPR2.</summary>
    private static ulong RunAlu(ulong a, ulong b, params uint[] alu)
    {
        using var h = new GtHarness();
        TestBuffer buf = h.NewBuffer();
        uint Gpr(int n) => EngineMmio.Gpr(EngineId.Rcs0, n);
        Request rq = h.Submit(new BatchBuilder()
            .Emit(Mi.LoadRegisterImm((Gpr(0), (uint)a), (Gpr(0) + GprHigh, (uint)(a >> 32)), (Gpr(1), (uint)b), (Gpr(1) + GprHigh, (uint)(b >> 32))))
            .Emit(Mi.Math(alu))
            .Emit(Mi.StoreRegisterMem64(Gpr(2), buf.At(0)))
            .Emit(Mi.StoreRegisterMem64(Gpr(2) + GprHigh, buf.At(1)))
            .End());
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        return buf[0] | ((ulong)buf[1] << 32);
    }
}
