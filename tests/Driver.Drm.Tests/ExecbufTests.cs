using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>EXECBUFFER2(_WR) through the binary struct: batches that run, relocations, softpin, fences, hangs, errnos.</summary>
public class ExecbufTests
{
    private const uint TargetAddress = 0x1000_0000;

    private static uint BatchWithEnd(DrmHarness h, params uint[] dwords)
    {
        uint batch = h.Create();
        h.Write(batch, 0, [.. dwords, Mi.BatchBufferEnd]);
        return batch;
    }

    [Fact]
    public void StoreDwordIntoSoftpinnedObjectIsReadBackWithPread()
    {
        // A batch storing a dword at a softpinned address (EXEC_OBJECT_PINNED | EXEC_OBJECT_WRITE); the engine runs
        // it; PREAD after GEM_WAIT sees the value.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint batch = BatchWithEnd(h, Mi.StoreDword(TargetAddress + 8, 0xdeadbeef));
        ArgBuffer a = Execbuf(h, 0, 0,
            Object(target, ObjPinned | ObjWrite, TargetAddress),
            Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Equal(0, h.Wait(target, Bound.LongNs));
        Assert.Equal(new uint[] { 0, 0, 0xdeadbeef }, h.Read(target, 0, 3));
    }

    [Fact]
    public void BusyReportsTheWritersClassWhileTheBatchRuns()
    {
        // i915_gem_busy_ioctl: the writer's class + 1 low, its read bit (0x10000 << class) high.
        using var h = DrmHarness.WithoutHeartbeat();
        uint target = h.Create();
        uint batch = h.Create();
        // Spins on a dword of the target until the CPU writes it (SEMAPHORE_WAIT, short form): busy meanwhile.
        h.Write(batch, 0, [.. Mi.SemaphoreWait(TargetAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        ArgBuffer a = Execbuf(h, RingBlt, 0, Object(target, ObjPinned | ObjWrite, TargetAddress), Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        ArgBuffer busy = DrmHarness.Arg(GemLayout.BusySize);
        busy.SetU32(0, target);
        Assert.Equal(0, h.Ioctl(Requests.GemBusy, busy));
        Assert.Equal(((uint)EngineClass.Copy + 1) | (0x10000u << (int)EngineClass.Copy), busy.U32(4));
        busy.SetU32(0, batch);
        Assert.Equal(0, h.Ioctl(Requests.GemBusy, busy));
        Assert.Equal(0x10000u << (int)EngineClass.Copy, busy.U32(4));
        // Through a mapping: PWRITE would wait for the batch first (I915_WAIT_ALL), which waits for this write.
        h.CpuWrite(target, 0, 1);
        Assert.Equal(0, h.Wait(target, Bound.LongNs));
    }

    [Fact]
    public void RelocationWritesTheAddressAndUpdatesPresumedOffsets()
    {
        // eb_relocate_entry: target + delta written as 64 bits; the presumed offset written back to the entry;
        // the epilogue writes each object's offset to the exec list.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd, 0, 0, 0);
        ulong relocs = h.Caller.Put(Reloc(target, 8, delta: 0x40));
        ArgBuffer a = Execbuf(h, 0, 0, Object(target), Object(batch, relocationCount: 1, relocs: relocs));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
        ulong targetAt = h.Caller.U64(a.U64(BuffersPtr) + ObjOffset);
        Assert.NotEqual(0ul, targetAt);
        Assert.Equal(targetAt, h.Caller.U64(relocs + RelocPresumed));
        uint[] written = h.Read(batch, 8, 2);
        Assert.Equal(targetAt + 0x40, written[0] | ((ulong)written[1] << 32));
    }

    [Fact]
    public void HandleLutRelocationNamesTheIndex()
    {
        // I915_EXEC_HANDLE_LUT: target_handle is an index into the exec list; past it -ENOENT.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd, 0, 0, 0);
        ulong relocs = h.Caller.Put(Reloc(0, 8));
        ArgBuffer a = Execbuf(h, HandleLut, 0, Object(target), Object(batch, relocationCount: 1, relocs: relocs));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        relocs = h.Caller.Put(Reloc(2, 8));
        a = Execbuf(h, HandleLut, 0, Object(target), Object(batch, relocationCount: 1, relocs: relocs));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, a));
    }

    [Fact]
    public void IgtProbesSeeRelocationsAndAlignment()
    {
        // gem_has_relocations: a relocation naming handle 0 is -ENOENT (eb_relocate_entry finds no target).
        // gem_allows_obj_alignment: a second execbuf asking for 8 KiB alignment moves the object (eb_vma_misplaced).
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ulong relocs = h.Caller.Put(new byte[RelocSize]);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(bo, relocationCount: 1, relocs: relocs))));

        uint batch = BatchWithEnd(h);
        uint filler = h.Create();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(filler), Object(batch))));
        ArgBuffer a = Execbuf(h, 0, 0, Object(batch, alignment: 0x2000));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
        ulong offset = h.Caller.U64(a.U64(BuffersPtr) + ObjOffset);
        Assert.NotEqual(0ul, offset);
        Assert.Equal(0ul, offset & 0x1fff);
    }

    [Fact]
    public void RelocationErrors()
    {
        // eb_relocate_entry: a target not in the list -ENOENT; several write domains -EINVAL; a non-GPU domain
        // -EINVAL; past the object or misaligned -EINVAL; unreadable entries -EFAULT.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint other = h.Create();
        uint batch = BatchWithEnd(h);
        int Submit(byte[] reloc, ulong? ptr = null)
        {
            ulong relocs = ptr ?? h.Caller.Put(reloc);
            return h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(target), Object(batch, relocationCount: 1, relocs: relocs)));
        }

        Assert.Equal(-Errno.ENOENT, Submit(Reloc(other, 8)));
        Assert.Equal(-Errno.EINVAL, Submit(Reloc(target, 8, write: 6)));
        Assert.Equal(-Errno.EINVAL, Submit(Reloc(target, 8, read: GemLayout.DomainCpu)));
        Assert.Equal(-Errno.EINVAL, Submit(Reloc(target, 4092)));
        Assert.Equal(-Errno.EINVAL, Submit(Reloc(target, 6)));
        Assert.Equal(-Errno.EFAULT, Submit([], FakeCaller.BadAddress));
    }

    [Fact]
    public void ArgumentErrorsInKernelOrder()
    {
        // i915_gem_execbuffer2_ioctl / i915_gem_check_execbuffer / i915_gem_do_execbuffer.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        int Submit(ulong flags, Action<ArgBuffer>? edit = null, uint ctx = 0, params byte[][] objects)
        {
            ArgBuffer a = Execbuf(h, flags, ctx, objects.Length == 0 ? [Object(batch)] : objects);
            edit?.Invoke(a);
            return h.Ioctl(Requests.Execbuffer2Wr, a);
        }

        Assert.Equal(-Errno.EINVAL, Submit(0, a => a.SetU32(BufferCount, 0)));       // check_buffer_count
        Assert.Equal(-Errno.EINVAL, Submit(1UL << 22));                               // __I915_EXEC_UNKNOWN_FLAGS
        Assert.Equal(-Errno.EINVAL, Submit(ResourceStreamer));                        // __I915_EXEC_ILLEGAL_FLAGS
        Assert.Equal(-Errno.EINVAL, Submit(0, a => a.SetU32(NumCliprects, 1)));       // DRI1 cliprects
        Assert.Equal(-Errno.EINVAL, Submit(0, a => a.SetU32(Dr1, 1)));
        Assert.Equal(0, Submit(0, a => a.SetU32(Dr4, 0xffffffff)));                   // UXA's garbage DR4 is fixed up
        Assert.Equal(-Errno.EINVAL, Submit(0, a => a.SetU32(BatchStartOffset, 4)));   // 8-byte alignment
        Assert.Equal(-Errno.EINVAL, Submit(0, a => a.SetU32(BatchLen, 12)));
        Assert.Equal(-Errno.EFAULT, Submit(0, a => a.SetU64(BuffersPtr, FakeCaller.BadAddress)));
        Assert.Equal(-Errno.ENODEV, Submit(Secure));                                  // gen11+
        Assert.Equal(-Errno.EINVAL, Submit(FenceIn, a => a.SetU64(Rsvd2, 12345)));    // sync_file_get_fence fails
        Assert.Equal(-Errno.ENOENT, Submit(0, ctx: 77));                              // eb_select_context
        Assert.Equal(-Errno.EINVAL, Submit(5));                                       // user_ring_map
        Assert.Equal(-Errno.EINVAL, Submit(RingRender | (1UL << 13)));                // BSD bits on another ring
        Assert.Equal(-Errno.ENOENT, Submit(0, objects: [Object(999), Object(batch)]));
        Assert.Equal(-Errno.EINVAL, Submit(0, objects: [Object(batch), Object(batch)]));
        Assert.Equal(-Errno.EINVAL, Submit(0, objects: [Object(batch, ObjWrite)]));    // self-modifying batch
        Assert.Equal(-Errno.EINVAL, Submit(0, a => a.SetU32(BatchStartOffset, 4096))); // out-of-bounds batch
        Assert.Equal(-Errno.EINVAL, Submit(0, objects: [Object(batch, 1UL << 8)]));    // __EXEC_OBJECT_UNKNOWN_FLAGS
        Assert.Equal(-Errno.EINVAL, Submit(0, objects: [Object(batch, ObjNeedsGtt)])); // full ppGTT
        Assert.Equal(-Errno.EINVAL, Submit(0, objects: [Object(batch, alignment: 3)]));
        Assert.Equal(-Errno.EINVAL, Submit(0, objects: [Object(batch, ObjPinned, 0x1000_0800)]));
        Assert.Equal(-Errno.EINVAL, Submit(FenceSubmit));                             // not modelled
    }

    [Fact]
    public void FenceArraysNameSyncobjsThatDoNotExist()
    {
        // add_fence_array: no entries is 0; an entry with unknown flags -EINVAL; drm_syncobj_find fails: -ENOENT.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        ArgBuffer a = Execbuf(h, FenceArray, 0, Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU32(NumCliprects, 1);
        a.SetU64(CliprectsPtr, h.Caller.Put([1, 0, 0, 0, 1, 0, 0, 0]));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU64(CliprectsPtr, h.Caller.Put([1, 0, 0, 0, 4, 0, 0, 0]));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, a));
    }

    [Fact]
    public void BannedContextIsEio()
    {
        // eb_pin_engine: intel_context_is_banned -EIO, after the objects were looked up (an unknown handle first).
        using var h = DrmHarness.Fast();
        uint ctx = h.CreateContext();
        uint batch = BatchWithEnd(h);
        Assert.Equal(0, h.Dev.LookupContext(h.File.ClientId, (int)ctx, out Driver.Core.Contexts.GpuContext? context));
        context!.Ban();
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, ctx, Object(999), Object(batch))));
        Assert.Equal(-Errno.EIO, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, ctx, Object(batch))));
    }

    [Fact]
    public void WedgedIsEio()
    {
        // eb_select_engine: "ABI: report EIO if the GPU is already wedged".
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        h.Dev.Wedge();
        Assert.Equal(-Errno.EIO, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(batch))));
    }

    [Fact]
    public void OutFenceFdIsReturnedInRsvd2OnlyWithWr()
    {
        // I915_EXEC_FENCE_OUT: the fd goes to the upper half of rsvd2, the in-fence kept in the lower half.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        var gate = new DmaFence(DmaFence.ContextAlloc(), 1);
        int inFd = h.Caller.AddFence(gate);
        ArgBuffer a = Execbuf(h, FenceIn | FenceOut, 0, Object(batch));
        a.SetU64(Rsvd2, (uint)inFd);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        Assert.Equal((uint)inFd, (uint)a.U64(Rsvd2));
        int outFd = (int)(a.U64(Rsvd2) >> 32);
        DmaFence done = h.Fence(outFd);
        // The in-fence holds the batch back.
        Assert.Equal(-Errno.ETIME, h.Wait(batch, 0));
        Assert.False(done.IsSignaled);
        gate.Signal();
        Assert.True(done.Wait(Bound.Long));
        Assert.Equal(1, done.Status);

        // The write-only EXECBUFFER2 copies nothing back: no descriptor.
        ArgBuffer w = Execbuf(h, FenceOut, 0, Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, w));
        Assert.Equal(0ul, w.U64(Rsvd2));
    }

    [Fact]
    public void HangingBatchIsResetAndCountedInResetStats()
    {
        // A batch jumping to itself (BB_START relocated to the batch) never ends: the heartbeat resets the engine,
        // the out-fence signals -EIO and GET_RESET_STATS counts the context guilty (batch_active).
        using var h = DrmHarness.Fast();
        uint ctx = h.CreateContext();
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferStart(0));
        ulong relocs = h.Caller.Put(Reloc(batch, 4));
        ArgBuffer a = Execbuf(h, FenceOut, ctx, Object(batch, relocationCount: 1, relocs: relocs));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence hang = h.Fence((int)(a.U64(Rsvd2) >> 32));
        Assert.True(hang.Wait(Bound.Long), "the hang was not reset");
        Assert.Equal(-Errno.EIO, hang.Status);

        ArgBuffer stats = DrmHarness.Arg(ContextLayout.ResetStatsSize);
        stats.SetU32(0, ctx);
        Assert.Equal(0, h.Ioctl(Requests.GetResetStats, stats));
        Assert.Equal(1u, stats.U32(12));
        Assert.Equal(0u, stats.U32(16));
        // reset_count is i915_reset_count, full resets only: an engine reset leaves it as it was.
        Assert.Equal((uint)h.Dev.Reset.ResetCount, stats.U32(8));
    }

    [Fact]
    public void EngineMapIndexSelectsTheEngine()
    {
        // eb_select_engine with user engines: the ring bits index the map; a hole or past the end -EINVAL.
        using var h = DrmHarness.Fast();
        uint ctx = ContextIoctlTests.CreateWithEngines(h, (1, 0), (ContextLayout.ClassInvalid, ContextLayout.InstanceInvalidNone));
        uint batch = BatchWithEnd(h);
        ArgBuffer a = Execbuf(h, FenceOut, ctx, Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence f = h.Fence((int)(a.U64(Rsvd2) >> 32));
        Assert.Equal(EngineId.Bcs0, Assert.IsType<Request>(f).Engine);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2Wr, Execbuf(h, 1, ctx, Object(batch))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2Wr, Execbuf(h, 2, ctx, Object(batch))));
    }

    [Fact]
    public void EngineMapIgnoresTheBsdSelectorBits()
    {
        // eb_select_engine: with user engines the index is flags & I915_EXEC_RING_MASK and nothing else; the BSD
        // selector bits (I915_EXEC_BSD_MASK) only mean something to eb_select_legacy_ring, so with a map they are
        // neither checked nor used, and index 2 | BSD_RING1 is index 2 — not "BSD with a selector".
        using var h = DrmHarness.Fast();
        uint ctx = ContextIoctlTests.CreateWithEngines(h, (1, 0), (0, 0), (2, 0));
        uint batch = BatchWithEnd(h);
        foreach ((ulong flags, EngineId engine) in new[]
        {
            (0UL | (1UL << 13), EngineId.Bcs0), (1UL | BsdMask, EngineId.Rcs0), (RingBsd | (2UL << 13), EngineId.Vcs0),
        })
        {
            ArgBuffer a = Execbuf(h, flags | FenceOut, ctx, Object(batch));
            Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
            Assert.Equal(engine, Assert.IsType<Request>(h.Fence((int)(a.U64(Rsvd2) >> 32))).Engine);
        }

        // Without a map the same bits on a ring other than BSD are eb_select_legacy_ring's -EINVAL.
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Execbuf(h, RingBlt | (1UL << 13), 0, Object(batch))));
    }

    [Fact]
    public void AnEmptyEngineMapRefusesEveryIndex()
    {
        // set_proto_ctx_engines takes a map of no engines (size == the header); i915_gem_context_get_engine then finds
        // no engine at any index (idx >= num_engines): -EINVAL, where the legacy ring selection would have run it.
        using var h = DrmHarness.Fast();
        uint ctx = ContextIoctlTests.CreateWithEngines(h);
        uint batch = BatchWithEnd(h);
        foreach (ulong ring in new[] { RingDefault, RingRender, RingBlt, RingMask })
        {
            Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Execbuf(h, ring, ctx, Object(batch))));
        }

        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, RingDefault, 0, Object(batch))));
    }

    [Fact]
    public void LegacyRingsMapToEngines()
    {
        // eb_select_legacy_ring: DEFAULT/RENDER rcs0, BSD vcs0, BLT bcs0, VEBOX vecs0.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        foreach ((ulong ring, EngineId engine) in new[]
        {
            (RingDefault, EngineId.Rcs0), (RingRender, EngineId.Rcs0), (RingBsd, EngineId.Vcs0),
            (RingBlt, EngineId.Bcs0), (RingVebox, EngineId.Vecs0),
        })
        {
            ArgBuffer a = Execbuf(h, ring | FenceOut, 0, Object(batch));
            Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
            Assert.Equal(engine, Assert.IsType<Request>(h.Fence((int)(a.U64(Rsvd2) >> 32))).Engine);
        }
    }

    [Fact]
    public void SoftpinAtAddressZeroWorksUnderFullPpgtt()
    {
        // Full ppGTT (HAS_ALIASING_PPGTT 2): the user's address space starts at 0, and eb_reserve_vma pins a
        // softpinned object with PIN_OFFSET_FIXED | entry->offset, which i915_vma_insert accepts at 0 (only the
        // GGTT keeps pages for itself). Both a written object and the batch itself may live at 0.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint batch = BatchWithEnd(h, Mi.StoreDword(8, 0xdeadbeef));
        ArgBuffer a = Execbuf(h, 0, 0, Object(target, ObjPinned | ObjWrite, 0), Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Equal(0, h.Wait(target, Bound.LongNs));
        Assert.Equal(new uint[] { 0, 0, 0xdeadbeef }, h.Read(target, 0, 3));
        Assert.Equal(0UL, h.Caller.U64(a.U64(BuffersPtr) + ObjOffset));

        // The batch at 0 (the target moved away once idle): the command streamer fetches from address 0.
        uint second = BatchWithEnd(h, Mi.StoreDword(TargetAddress + 12, 0xc0ffee));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2,
            Execbuf(h, 0, 0, Object(target, ObjPinned | ObjWrite, TargetAddress), Object(second, ObjPinned, 0))));
        Assert.Equal(0, h.Wait(target, Bound.LongNs));
        Assert.Equal(new uint[] { 0, 0, 0xdeadbeef, 0xc0ffee }, h.Read(target, 0, 4));
    }

    [Fact]
    public void PadToSizeReservesTheAddressRangeBeyondTheObject()
    {
        // EXEC_OBJECT_PAD_TO_SIZE: eb_reserve_vma pins with entry->pad_to_size, i915_vma_insert makes the node at
        // least that large, so another object softpinned inside the padding is -ENOSPC (IGT gem_softpin@full);
        // eb_vma_misplaced rebinds a binding smaller than the pad asked now.
        using var h = DrmHarness.Fast();
        const ulong Pad = 4 * 4096;
        uint padded = BatchWithEnd(h);
        uint other = BatchWithEnd(h);
        byte[] PaddedAt(ulong offset)
        {
            var o = new ArgBuffer(Object(padded, ObjPinned | ObjPadToSizeFlag, offset));
            o.SetU64(ObjPadToSize, Pad);
            return o.Data;
        }

        GgttNode BindingOf(uint handle)
        {
            Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)handle, out BufferObject? bo));
            return bo!.Binding!;
        }

        Assert.Equal(-Errno.ENOSPC, h.Ioctl(Requests.Execbuffer2,
            Execbuf(h, 0, 0, PaddedAt(TargetAddress), Object(other, ObjPinned, TargetAddress + Pad - 4096))));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2,
            Execbuf(h, 0, 0, PaddedAt(TargetAddress), Object(other, ObjPinned, TargetAddress + Pad))));
        Assert.Equal((long)Pad, BindingOf(padded).Size);

        // Bound without padding first, then asked for it where it already is: rebound with the padded size.
        Assert.Equal(0, h.Wait(padded, Bound.LongNs));
        uint plain = BatchWithEnd(h);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(plain, ObjPinned, 0x1800_0000))));
        Assert.Equal(0, h.Wait(plain, Bound.LongNs));
        var again = new ArgBuffer(Object(plain, ObjPinned | ObjPadToSizeFlag, 0x1800_0000));
        again.SetU64(ObjPadToSize, Pad);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, again.Data)));
        Assert.Equal(0x1800_0000u, BindingOf(plain).Offset);
        Assert.Equal((long)Pad, BindingOf(plain).Size);
    }

    [Fact]
    public void ASoftpinLargerThanTheAddressSpaceIsEnospcAndOneOverrunningItsEndEinval()
    {
        // i915_vma_insert: "If binding the object/GGTT view requires more space than the entire aperture has, reject
        // it early": size (max(pad_to_size, object)) > end is -ENOSPC, before PIN_OFFSET_FIXED's alignment and
        // range_overflows checks (-EINVAL); eb_reserve keeps the -ENOSPC through its passes.
        using var h = DrmHarness.Fast();
        ulong total = (ulong)h.Dev.Gt.Ggtt.UserSize;
        uint batch = BatchWithEnd(h);
        byte[] Padded(ulong offset, ulong pad)
        {
            var o = new ArgBuffer(Object(batch, ObjPinned | ObjPadToSizeFlag, offset));
            o.SetU64(ObjPadToSize, pad);
            return o.Data;
        }

        Assert.Equal(-Errno.ENOSPC, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(0, total + 4096))));
        Assert.Equal(-Errno.ENOSPC, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(4096, total + 4096))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(4096, total))));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(0, total))));
    }

    [Fact]
    public void AnUnpinnedObjectThatFindsNoHoleEvictsIdleObjectsInsteadOfEnospc()
    {
        // i915_gem_gtt_insert: no free hole without PIN_NOEVICT is i915_gem_evict_something (then eb_reserve's
        // later passes, i915_gem_evict_vm): idle unpinned bindings make room, so an execbuf whose objects fit the
        // address space is not -ENOSPC because earlier, idle objects fill it. Objects this execbuf holds are not
        // evicted for it: two that cannot fit together are -ENOSPC.
        using var h = DrmHarness.Fast();
        ulong half = (ulong)h.Dev.Gt.Ggtt.UserSize / 2 + 4096;
        byte[] Padded(uint handle)
        {
            var o = new ArgBuffer(Object(handle, ObjPadToSizeFlag));
            o.SetU64(ObjPadToSize, half);
            return o.Data;
        }

        uint first = BatchWithEnd(h);
        uint second = BatchWithEnd(h);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(first))));
        Assert.Equal(0, h.Wait(first, Bound.LongNs));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(second))));
        Assert.Equal(0, h.Wait(second, Bound.LongNs));
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)first, out BufferObject? firstBo));
        Assert.Null(firstBo!.Binding);
        Assert.Equal(-Errno.ENOSPC, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Padded(first), Padded(second))));
    }

    [Fact]
    public void AnUnpinnedObjectGoesToItsPresumedOffsetWhenThatIsFree()
    {
        // eb_pin_vma: "Attempt to reuse the current location if available": an unbound object is first pinned at
        // entry->offset (PIN_OFFSET_FIXED | PIN_NOEVICT), and only when that fails anywhere free; the offset stays
        // as given (IGT gem_softpin@allocator-nopin). Something in the way is not evicted for it.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint batch = BatchWithEnd(h);
        ArgBuffer a = Execbuf(h, 0, 0, Object(target, 0, TargetAddress), Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)target, out BufferObject? bo));
        Assert.Equal(TargetAddress, bo!.GgttOffset);
        Assert.Equal((ulong)TargetAddress, h.Caller.U64(a.U64(BuffersPtr) + ObjOffset));

        // The same address presumed for another object while the first is still there: placed elsewhere, the
        // first left bound, the new offset written back.
        Assert.Equal(0, h.Wait(target, Bound.LongNs));
        uint second = h.Create();
        ArgBuffer b = Execbuf(h, 0, 0, Object(second, 0, TargetAddress), Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, b));
        Assert.Equal(TargetAddress, bo.GgttOffset);
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)second, out BufferObject? secondBo));
        Assert.NotEqual(TargetAddress, secondBo!.GgttOffset);
        Assert.Equal((ulong)secondBo.GgttOffset, h.Caller.U64(b.U64(BuffersPtr) + ObjOffset));
    }

    [Fact]
    public void TheDriversStatusPagesLieOutsideTheUsersAddressSpace()
    {
        // Full ppGTT: the user's address space holds only the user's objects; the driver's own (the HWSP pages of
        // intel_timeline) live in the GGTT. So every page of [0, GTT_SIZE) can be softpinned (IGT
        // gem_softpin@safe-alignment pins at 0 and 0x1000), however many timelines the driver made, and GTT_SIZE
        // (CONTEXT_GETPARAM) is where the range ends: the last page fits, the page past it is -EINVAL.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        for (int i = 0; i < 80; i++)
        {
            // A context's timeline takes its HWSP slot with its first request.
            Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, h.CreateContext(), Object(batch))));
        }

        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
        Assert.True(h.Dev.Gt.StatusPages.Pages > 1);
        Assert.Equal(0, ContextIoctlTests.GetParam(h, 0, ContextLayout.ParamGttSize, out ulong gttSize));
        uint low = h.Create(64 * 4096);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(low, ObjPinned, 0), Object(batch))));
        uint top = h.Create();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2,
            Execbuf(h, 0, 0, Object(top, ObjPinned, gttSize - 4096), Object(batch))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2,
            Execbuf(h, 0, 0, Object(top, ObjPinned, gttSize), Object(batch))));
    }

    [Fact]
    public void ABatchPreemptedAtAddressZeroResumesThereNotAtItsStart()
    {
        // A preempted context resumes from its saved RING_HEAD (the instruction it yielded at), whatever that address
        // is: with softpin at 0, a second-level batch at 0 that yields at its first instruction (the semaphore-wait
        // interrupt) must resume at 0, not re-run its first level from the start.
        using var h = DrmHarness.WithoutHeartbeat();
        uint data = h.Create();
        uint atZero = BatchWithEnd(h, [.. Mi.SemaphoreWait(TargetAddress, CompareOp.Equal, 1), .. Mi.StoreDword(TargetAddress + 8, 0xd0e)]);
        // First level: passes the gate (0 at the start), marks that it did, and jumps to 0.
        uint first = h.Create();
        h.Write(first, 0, [.. Mi.SemaphoreWait(TargetAddress + 4, CompareOp.Equal, 0), .. Mi.StoreDword(TargetAddress + 12, 1),
            .. Mi.BatchBufferStart64(0)]);
        ArgBuffer a = Execbuf(h, FenceOut, h.CreateContext(),
            Object(data, ObjPinned | ObjWrite, TargetAddress), Object(atZero, ObjPinned, 0), Object(first));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence spinning = h.Fence((int)(a.U64(Rsvd2) >> 32));
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)data, out BufferObject? bo));
        Assert.True(Poll.TryUntil(() => bo!.ReadDword(12) == 1, Bound.Long), "the first level never ran");

        // Closes the gate behind it, then makes it yield at 0 to another context's request.
        h.CpuWrite(data, 4, 1);
        uint nop = BatchWithEnd(h);
        ArgBuffer other = Execbuf(h, FenceOut, h.CreateContext(), Object(nop));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, other));
        Assert.True(h.Fence((int)(other.U64(Rsvd2) >> 32)).Wait(Bound.Long), "the other context never ran");

        h.CpuWrite(data, 0, 1);
        bool done = spinning.Wait(Bound.Long);
        h.CpuWrite(data, 4, 0);
        Assert.True(spinning.Wait(Bound.Long));
        Assert.True(done, "resumed at the first level, which waits on the closed gate");
        Assert.Equal(0, spinning.Error);
        Assert.Equal(0xd0eu, bo!.ReadDword(8));
    }

    [Fact]
    public void SoftpinOverAnotherObjectEvictsItWhenIdle()
    {
        // i915_gem_evict_for_node: an idle object of a user in the way is unbound; one of the same execbuf -ENOSPC.
        using var h = DrmHarness.Fast();
        uint a1 = h.Create();
        uint a2 = h.Create();
        uint batch = BatchWithEnd(h);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(a1, ObjPinned, TargetAddress), Object(batch))));
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(a2, ObjPinned, TargetAddress), Object(batch))));
        Assert.Equal(-Errno.ENOSPC, h.Ioctl(Requests.Execbuffer2,
            Execbuf(h, 0, 0, Object(a1, ObjPinned, TargetAddress), Object(a2, ObjPinned, TargetAddress), Object(batch))));
    }
}
