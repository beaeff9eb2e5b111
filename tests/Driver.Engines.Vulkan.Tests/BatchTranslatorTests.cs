using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Engines.Isa;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>The translator alone (no Vulkan needed): what each batch becomes, and what it refuses.</summary>
public class BatchTranslatorTests
{
    private readonly DeviceMemory _memory = new(1 << 20);
    private readonly Ggtt _ggtt = new(1 << 24);

    private uint Map(params uint[] dwords)
    {
        var bo = new BufferObject(_memory, DeviceMemory.PageSize, BoFlags.None);
        uint addr = _ggtt.Insert(bo).Offset;
        for (int i = 0; i < dwords.Length; i++)
        {
            bo.WriteDword(i * 4, dwords[i]);
        }

        return addr;
    }

    private static BatchTranslationException Refused(Func<VulkanProgram> translate) => Assert.Throws<BatchTranslationException>(() => translate());

    [Fact]
    public void ConsecutiveStoresBecomeOneDispatchAndShareSlots()
    {
        uint mem = Map();
        uint batch = Map(new BatchBuilder().StoreDword(mem, 1).Noop().ArbCheck().StoreDword(mem + 4, 2).StoreDword(mem, 3).End().ToArray());
        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        VulkanOp op = Assert.Single(p.Ops);
        Assert.Equal((VulkanOpKind.Store, 0, 3), (op.Kind, op.First, op.Count));
        Assert.Equal([mem, mem + 4], p.SlotAddresses);
        Assert.Equal(p.Stores[0].Slot, p.Stores[2].Slot);
        Assert.False(p.NeedsPump);
    }

    /// <summary>MI_STORE_DWORD_IMM with Store Qword (bit 21, length 3; IGT's gem_softpin): two stores, low dword first.</summary>
    [Fact]
    public void AStoreQwordIsTwoStores()
    {
        uint mem = Map();
        uint batch = Map(new BatchBuilder().Emit(Mi.Header(MiOpcode.StoreDwordImm, Mi.StoreQword | 3), mem + 8, 0, 0x11, 0x22).End().ToArray());
        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        Assert.Equal((VulkanOpKind.Store, 0, 2), (p.Ops.Single().Kind, p.Ops.Single().First, p.Ops.Single().Count));
        Assert.Equal(new VulkanStore(p.SlotFor(mem + 8), mem + 8, 0x11), p.Stores[0]);
        Assert.Equal(new VulkanStore(p.SlotFor(mem + 12), mem + 12, 0x22), p.Stores[1]);
    }

    /// <summary>
    /// IGT's gen12 igt_spin (4-dword store, COND_BB_END GT against BATCH_BUFFER_END, 3-dword BB_START): a store, then a
    /// loop whose exit conditions are the negated compare (the instruction's compare says continue) and its head.
    /// </summary>
    [Fact]
    public void Gen12IgtSpinTranslatesToALoopOnItsNegatedCondition()
    {
        uint poll = Map();
        uint batch = Map();
        uint condition = batch + 4096 - 8;
        uint[] dwords = new BatchBuilder()
            .StoreDword64(poll, 1)
            .Noop(12)                                                    // up to byte 64, IGT's loop start
            .ArbCheck()
            .ConditionalEnd64(condition, CompareOp.Greater, Mi.BatchBufferEnd)
            .Jump64(batch + 64)
            .ToArray();
        for (int i = 0; i < dwords.Length; i++)
        {
            _ggtt.TryWrite(batch + (uint)i * 4, dwords[i]);
        }

        _ggtt.TryWrite(condition, 0xffff_ffff);
        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        Assert.Equal([VulkanOpKind.Store, VulkanOpKind.Spin], p.Ops.Select(o => o.Kind));
        Assert.Equal(new VulkanStore(p.SlotFor(poll), poll, 1), p.Stores[0]);
        Assert.Equal(SpinMode.Loop, p.Ops[1].Mode);
        Assert.Equal(new VulkanCondition(p.SlotFor(condition), condition, CompareOp.LessOrEqual, Mi.BatchBufferEnd, ConditionKind.ConditionalEnd), p.Conditions[0]);
        Assert.Equal(ConditionKind.LoopHead, p.Conditions[1].Kind);
    }

    [Fact]
    public void WaitsWorkAndConditionalEndsSplitTheStores()
    {
        uint mem = Map();
        uint batch = Map(new BatchBuilder().StoreDword(mem, 1).SemaphoreWait(mem + 4, CompareOp.GreaterOrEqual, 2).Work(1000)
            .StoreDword(mem, 2).ConditionalEnd(mem + 8, CompareOp.Equal, 0).StoreDword(mem, 3).End().ToArray());
        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        Assert.Equal([VulkanOpKind.Store, VulkanOpKind.Spin, VulkanOpKind.Work, VulkanOpKind.Store, VulkanOpKind.Spin, VulkanOpKind.Store],
            p.Ops.Select(o => o.Kind));
        Assert.Equal(SpinMode.Semaphore, p.Ops[1].Mode);
        Assert.Equal(1000u, p.Ops[2].Nanoseconds);
        Assert.Equal(SpinMode.ConditionalEnd, p.Ops[4].Mode);
        Assert.Equal(new VulkanCondition(p.SlotFor(mem + 4), mem + 4, CompareOp.GreaterOrEqual, 2, ConditionKind.Semaphore), p.Conditions[0]);
        Assert.True(p.NeedsPump);
    }

    [Fact]
    public void ASpinLoopPollsItsConditionalEndsAndItsHead()
    {
        uint batch = Map();
        BatchBuilder b = new BatchBuilder().StoreDword(batch + 0xF00, 1).Noop().ArbCheck().ConditionalEnd(batch + 0xF04, CompareOp.Equal, 0).Jump(batch + 0xC);
        uint[] dwords = b.ToArray();
        for (int i = 0; i < dwords.Length; i++)
        {
            _ggtt.TryWrite(batch + (uint)i * 4, dwords[i]);
        }

        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        Assert.Equal([VulkanOpKind.Store, VulkanOpKind.Spin], p.Ops.Select(o => o.Kind));
        Assert.Equal((SpinMode.Loop, 0, 2), (p.Ops[1].Mode, p.Ops[1].First, p.Ops[1].Count));
        // The instruction continues while the condition dword == 0: the kernel's exit condition is its negation.
        Assert.Equal(new VulkanCondition(p.SlotFor(batch + 0xF04), batch + 0xF04, CompareOp.NotEqual, 0, ConditionKind.ConditionalEnd), p.Conditions[0]);
        Assert.Equal(new VulkanCondition(p.SlotFor(batch + 0xC), batch + 0xC, CompareOp.NotEqual, Mi.Noop, ConditionKind.LoopHead), p.Conditions[1]);
    }

    [Fact]
    public void ASelfJumpIsASpinOnItsOwnHeader()
    {
        uint batch = Map();
        _ggtt.TryWrite(batch, Mi.BatchBufferStart(batch)[0]);
        _ggtt.TryWrite(batch + 4, batch);
        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        VulkanOp op = Assert.Single(p.Ops);
        Assert.Equal(SpinMode.Loop, op.Mode);
        Assert.Equal(ConditionKind.LoopHead, Assert.Single(p.Conditions).Kind);
    }

    [Fact]
    public void ForwardJumpsAreFollowed()
    {
        uint mem = Map();
        uint batch = Map();
        uint[] dwords = new BatchBuilder().Jump(batch + 0x100).ToArray();
        for (int i = 0; i < dwords.Length; i++)
        {
            _ggtt.TryWrite(batch + (uint)i * 4, dwords[i]);
        }

        _ggtt.TryWrite(batch + 8, 0xDEADBEEF); // skipped over: never fetched
        uint[] tail = new BatchBuilder().StoreDword(mem, 1).End().ToArray();
        for (int i = 0; i < tail.Length; i++)
        {
            _ggtt.TryWrite(batch + 0x100 + (uint)i * 4, tail[i]);
        }

        VulkanProgram p = BatchTranslator.Translate(_ggtt, batch);
        Assert.Equal(VulkanOpKind.Store, Assert.Single(p.Ops).Kind);
    }

    [Fact]
    public void WhatTheCommandStreamerWouldFaultOnIsEio()
    {
        uint mem = Map();
        Assert.Equal(Errno.EIO, Refused(() => BatchTranslator.Translate(_ggtt, Map(0xDEADBEEF))).Errno);
        Assert.Contains("stray bits", Refused(() => BatchTranslator.Translate(_ggtt, Map(Mi.BatchBufferEnd | 1))).Reason);
        Assert.Contains("store to unmapped", Refused(() => BatchTranslator.Translate(_ggtt, Map(Mi.StoreDword(0x00F0_0000, 1)))).Reason);
        Assert.Contains("semaphore poll of unmapped", Refused(() => BatchTranslator.Translate(_ggtt, Map(Mi.SemaphoreWait(0x00F0_0000, CompareOp.Equal, 1)))).Reason);
        Assert.Contains("instruction fetch", Refused(() => BatchTranslator.Translate(_ggtt, 0x00F0_0000)).Reason);
        // No BATCH_BUFFER_END: the fetch runs off the end of the object into unmapped space.
        BatchTranslationException e = Refused(() => BatchTranslator.Translate(_ggtt, Map(Enumerable.Repeat(Mi.StoreDword(mem, 1), 341).SelectMany(x => x).ToArray())));
        Assert.Equal(Errno.EIO, e.Errno);
    }

    [Fact]
    public void ValidIsaWithoutATranslationIsEinval()
    {
        uint mem = Map();
        uint batch = Map();
        uint[] dwords = new BatchBuilder().SemaphoreWait(mem, CompareOp.Equal, 1).Jump(batch).ToArray();
        for (int i = 0; i < dwords.Length; i++)
        {
            _ggtt.TryWrite(batch + (uint)i * 4, dwords[i]);
        }

        BatchTranslationException e = Refused(() => BatchTranslator.Translate(_ggtt, batch));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("inside a spin loop", e.Reason);

        uint mid = Map();
        uint[] jumpIntoOperand = new BatchBuilder().StoreDword(mem, 1).Jump(mid + 4).ToArray();
        for (int i = 0; i < jumpIntoOperand.Length; i++)
        {
            _ggtt.TryWrite(mid + (uint)i * 4, jumpIntoOperand[i]);
        }

        Assert.Contains("not an instruction this batch executed", Refused(() => BatchTranslator.Translate(_ggtt, mid)).Reason);
    }

    /// <summary>
    /// MI_LOAD_REGISTER_IMM/REG/MEM, MI_STORE_REGISTER_MEM, MI_MATH and a predicated gen8+ BATCH_BUFFER_START are
    /// instructions the simulated command streamer executes (CommandStreamer.Run), not CS errors: a batch using them
    /// is valid ISA the translator cannot express (-EINVAL, not the client's fault), never a CS fault (-EIO, which the
    /// engine accounts as a guilty hang, as __i915_request_reset(rq, guilty) after a CS error interrupt does).
    /// </summary>
    [Fact]
    public void InstructionsTheCommandStreamerExecutesButTheTranslatorLacksAreEinvalNotFaults()
    {
        uint mem = Map();
        uint[][] batches =
        [
            [.. Mi.LoadRegisterImm((0x2600, 1)), Mi.BatchBufferEnd],
            [.. Mi.LoadRegisterReg(0x2600, 0x2608), Mi.BatchBufferEnd],
            [.. Mi.LoadRegisterMem64(0x2600, mem), Mi.BatchBufferEnd],
            [.. Mi.StoreRegisterMem64(0x2600, mem), Mi.BatchBufferEnd],
            [.. Mi.Math(0), Mi.BatchBufferEnd],
            [.. Mi.BatchBufferStart64Predicated(mem), Mi.BatchBufferEnd],
        ];
        foreach (uint[] dwords in batches)
        {
            BatchTranslationException e = Refused(() => BatchTranslator.Translate(_ggtt, Map(dwords)));
            Assert.True(e.Errno == Errno.EINVAL, $"0x{dwords[0]:x8}: -{Errno.Name(e.Errno)} ({e.Reason}), want -EINVAL: the command streamer runs it");
        }
    }
}
