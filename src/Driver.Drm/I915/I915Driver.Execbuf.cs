using System.Buffers.Binary;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Resv;
using Driver.Drm.I915.Layout;
using Driver.Uapi;
using static Driver.Drm.I915.Layout.ExecbufLayout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>
    /// Test hook: runs in execbuf once the objects are placed (and pinned) and relocated, before the submission,
    /// where another client's execbuf can be made to interleave. Null (one load) in production.
    /// </summary>
    internal Action? ExecbufBeforeSubmit { get; set; }

    /// <summary>
    /// EXECBUFFER2 and EXECBUFFER2_WR (i915_gem_execbuffer2_ioctl, i915_gem_do_execbuffer), in the kernel's order:
    /// buffer count (-EINVAL), i915_gem_check_execbuffer (illegal flags, cliprects, DR1/DR4, 8-byte alignment of the
    /// batch start and length: -EINVAL), the exec list (-EFAULT), SECURE (-ENODEV on gen11+), execbuf extensions and
    /// fence arrays (add_fence_array: -EFAULT, -EINVAL, -ENOENT), the in-fence (-EINVAL), the out-fence fd's
    /// reservation (-EMFILE), the context (-ENOENT), the engine (-EINVAL), wedged (-EIO), each object (-ENOENT,
    /// eb_validate_vma's -EINVAL, a handle twice -EINVAL), the batch (self-modifying or out of bounds: -EINVAL), a
    /// banned context (-EIO), placement (softpin: -ENOSPC larger than the address space, -EINVAL outside it, -ENOSPC over this
    /// execbuf's own object, -EAGAIN over one another execbuf holds until it submits), relocations (-ENOENT, -EINVAL, -EFAULT), then the
    /// submission through GpuDevice.Execbuf, the objects pinned from placement until then
    /// (<see cref="PlaceAndSubmit"/>); the out-fence fd goes to the upper half of rsvd2, the new offsets to the exec
    /// list.
    /// </summary>
    private int GemExecbuffer2(IoctlCall c)
    {
        ArgBuffer a = c.Arg;
        uint count = a.U32(BufferCount);
        // check_buffer_count
        if (count < 1 || count > (int.MaxValue / ObjectSize) - 2)
        {
            return -Errno.EINVAL;
        }

        ulong flags = a.U64(ExecbufLayout.Flags);
        int ret = CheckExecbuffer(a, flags);
        if (ret != 0)
        {
            return ret;
        }

        var list = ArgBuffer.ReadUser(c.Caller, a.U64(BuffersPtr), (int)count * ObjectSize);
        if (list is null)
        {
            return -Errno.EFAULT;
        }

        if ((flags & Secure) != 0)
        {
            return -Errno.ENODEV;
        }

        // parse_execbuf2_extensions: the extension chain reuses cliprects_ptr, so FENCE_ARRAY with it is -EINVAL.
        var fences = new List<ExecFence>();
        ret = (flags & UseExtensions) == 0 ? 0 : (flags & FenceArray) != 0 ? -Errno.EINVAL : ExecbufExtensions(c, a, fences);
        ret = ret != 0 ? ret : AddFenceArray(c, a, flags, fences);
        if (ret != 0)
        {
            return ret;
        }

        // i915_gem_do_execbuffer: FENCE_IN and FENCE_SUBMIT both name the sync_file in rsvd2's lower half, so asking
        // for both is -EINVAL, as is a descriptor that is no sync_file (sync_file_get_fence).
        DmaFence? inFence = null;
        DmaFence? submitFence = null;
        if ((flags & (FenceIn | FenceSubmit)) != 0)
        {
            if ((flags & (FenceIn | FenceSubmit)) == (FenceIn | FenceSubmit))
            {
                return -Errno.EINVAL;
            }

            DmaFence? fence = c.Caller.GetSyncFileFence((int)(uint)a.U64(Rsvd2));
            if (fence is null)
            {
                return -Errno.EINVAL;
            }

            if ((flags & FenceSubmit) != 0)
            {
                submitFence = fence;
            }
            else
            {
                inFence = fence;
            }
        }

        // get_unused_fd_flags, right after the in-fence: the out-fence's descriptor is reserved before anything is
        // built, so a caller that cannot take one more gets -EMFILE with nothing submitted.
        bool fenceOut = (flags & FenceOut) != 0 && c.CopiesOut;
        ret = fenceOut ? c.Caller.ReserveSyncFile() : 0;
        if (ret != 0)
        {
            return ret;
        }

        int ctxId = (int)(uint)a.U64(Rsvd1);
        ret = Device.LookupContext(c.Client, ctxId, out GpuContext? ctx);
        if (ret != 0)
        {
            return ret;
        }

        I915ContextState ctxState = c.State.Context(ctxId);
        // The first lookup finalizes the proto-context, after any SETPARAM of it in progress: the engine map read
        // next is the one that call set, and no later SETPARAM(ENGINES) succeeds.
        ctxState.Finalize(ProtoContextLockContended);
        ret = SelectEngine(ctxState, flags, out EngineId engine);
        if (ret != 0)
        {
            return ret;
        }

        if (Device.IsWedged)
        {
            return -Errno.EIO;
        }

        ret = LookupObjects(c, list, count, out ExecObject[] objects);
        try
        {
            return ret != 0 ? ret : ExecbufLookedUp(c, a, flags, ctxId, ctx!, ctxState, engine, objects, inFence,
                submitFence, fences, fenceOut);
        }
        finally
        {
            // eb_release_vmas' object puts: a handle closed meanwhile has its object released now, after the
            // submission, so the release waits for it.
            foreach (ExecObject o in objects)
            {
                if (o?.Object is { } bo)
                {
                    Device.DropExecbufHold(bo);
                }
            }
        }
    }

    /// <summary>i915_gem_do_execbuffer from the objects' lookup on (they are held by the caller until it returns).</summary>
    private int ExecbufLookedUp(IoctlCall c, ArgBuffer a, ulong flags, int ctxId, GpuContext ctx,
        I915ContextState ctxState, EngineId engine, ExecObject[] objects, DmaFence? inFence, DmaFence? submitFence,
        List<ExecFence> fences, bool fenceOut)
    {
        ExecObject batch = objects[(flags & BatchFirst) != 0 ? 0 : objects.Length - 1];
        ulong start = a.U32(BatchStartOffset);
        ulong len = a.U32(BatchLen);
        ulong batchSize = (ulong)batch.Object!.Size;
        if ((batch.Flags & ObjWrite) != 0 || start >= batchSize || len > batchSize - start)
        {
            return -Errno.EINVAL;
        }

        // eb_pin_engine, before any object is placed or relocated.
        if (ctx.IsBannedOn(engine))
        {
            return -Errno.EIO;
        }

        // eb_pin_timeline's eb_throttle: while the context's ring on this engine is (nearly) full, wait for a request
        // to retire, interruptibly: a signal ends it with -EINTR and nothing submitted.
        IntelRing? ring = Options.RingThrottle ? ctxState.Ring(engine) : null;
        if (ring is not null && ring.WaitForSpace(c.Caller.SignalPending) is var throttled && throttled != 0)
        {
            return throttled;
        }

        // eb_reserve's pins, held from placement until the request's fence is in every reservation (or the execbuf
        // failed), so no other execbuf's eviction moves an object under the addresses relocated into the batch.
        var pins = new List<GgttNode>(objects.Length);
        try
        {
            return PlaceAndSubmit(c, a, flags, ctxId, ctxState, engine, ring, objects, batch, start, inFence,
                submitFence, fences, fenceOut, pins);
        }
        finally
        {
            // eb_release_vmas
            foreach (GgttNode pin in pins)
            {
                Ggtt.Unpin(pin);
            }
        }
    }

    /// <summary>
    /// i915_gem_do_execbuffer from eb_reserve on: placement and relocation under the pins taken into
    /// <paramref name="pins"/>, the submission, then, whenever a request was submitted (even when execbuf fails
    /// after it: a userptr invalidated meanwhile), eb_requests_add's bookkeeping, signal_fence_array and the offsets'
    /// write-back; the out-fence only on success (the kernel drops the out-fence on error).
    /// </summary>
    private int PlaceAndSubmit(IoctlCall c, ArgBuffer a, ulong flags, int ctxId, I915ContextState ctxState,
        EngineId engine, IntelRing? ring, ExecObject[] objects, ExecObject batch, ulong start, DmaFence? inFence,
        DmaFence? submitFence, List<ExecFence> fences, bool fenceOut, List<GgttNode> pins)
    {
        int ret = PlaceObjects(c, objects, pins);
        if (ret != 0)
        {
            return ret;
        }

        ret = Relocate(c, objects, (flags & HandleLut) != 0);
        if (ret != 0)
        {
            return ret;
        }

        ExecbufBeforeSubmit?.Invoke();
        var args = new ExecbufArgs
        {
            Client = c.Client,
            Context = ctxId,
            Engine = (int)engine,
            BatchHandle = (int)batch.Handle,
            BatchOffset = (long)start,
            Objects = objects.Where(o => o != batch && (o.Flags & ObjWrite) == 0).Select(o => (int)o.Handle).ToArray(),
            WriteObjects = objects.Where(o => o != batch && (o.Flags & ObjWrite) != 0).Select(o => (int)o.Handle).ToArray(),
            InFences = AwaitFences(inFence, fences),
            // i915_request_await_execution for FENCE_SUBMIT's fence.
            SubmitFences = submitFence is null ? [] : [submitFence],
            // eb_capture_stage: tgl-class (graphics 12.0, integrated) takes EXEC_OBJECT_CAPTURE from any context;
            // only discrete or later parts refuse it on a recoverable one.
            CaptureObjects = objects.Where(o => (o.Flags & ObjCapture) != 0).Select(o => (int)o.Handle).ToArray(),
            Flags = ctxState.NoErrorCapture ? ExecFlags.NoCapture : ExecFlags.None,
        };
        ret = Device.Execbuf(args, out DmaFence? outFence);
        if (outFence is null)
        {
            return ret;
        }

        ring?.Add(outFence);
        SignalFenceArray(fences, outFence);
        // i915_gem_execbuffer2_ioctl copies the new offsets back "irrespective of any error": only a failed
        // eb_relocate_parse clears __EXEC_HAS_RELOC, so an execbuf that fails once its request is built (a userptr
        // invalidated meanwhile: -EAGAIN) still tells the caller where its objects now are.
        WriteBackOffsets(c, a.U64(BuffersPtr), objects);
        if (ret != 0)
        {
            return ret;
        }

        // The fd is installed once the caller gets the reply; with the write-only EXECBUFFER2 nothing is copied back,
        // so no descriptor is made (i915 would make one the caller can never learn). Its room was reserved above;
        // a failure now (the server cannot make the pipe) is sync_file_create's -ENOMEM after the request was
        // added: the error is returned with the request submitted and the syncobjs signalled, as i915 does.
        return fenceOut ? c.Caller.InstallSyncFile(outFence, c.Argument + OutFenceFd) : 0;
    }

    /// <summary>i915_gem_check_execbuffer.</summary>
    private static int CheckExecbuffer(ArgBuffer a, ulong flags)
    {
        if ((flags & IllegalFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        // "Kernel clipping was a DRI1 misfeature"
        if ((flags & (FenceArray | UseExtensions)) == 0 && (a.U32(NumCliprects) != 0 || a.U64(CliprectsPtr) != 0))
        {
            return -Errno.EINVAL;
        }

        // "UXA submitting garbage DR4, fixing up"
        if (a.U32(Dr4) == 0xffffffff)
        {
            a.SetU32(Dr4, 0);
        }

        if (a.U32(Dr1) != 0 || a.U32(Dr4) != 0)
        {
            return -Errno.EINVAL;
        }

        return ((a.U32(BatchStartOffset) | a.U32(BatchLen)) & 7) != 0 ? -Errno.EINVAL : 0;
    }

    /// <summary>
    /// parse_execbuf2_extensions: -EINVAL with cliprects; the chain at cliprects_ptr; an unknown extension is
    /// -EINVAL. TIMELINE_FENCES (parse_timeline_fences): -EFAULT for the extension; none is nothing; a count past
    /// what the kernel can allocate -EINVAL; handles or values not addressable -EFAULT; then each entry as
    /// add_timeline_fence takes it (<see cref="AddTimelineFence"/>).
    /// </summary>
    private static int ExecbufExtensions(IoctlCall c, ArgBuffer a, List<ExecFence> fences)
    {
        if (a.U32(NumCliprects) != 0)
        {
            return -Errno.EINVAL;
        }

        return WalkExtensions(c.Caller, a.U64(CliprectsPtr), (name, at) =>
        {
            if (name != 0)
            {
                return -Errno.EINVAL;
            }

            // drm_i915_gem_execbuffer_ext_timeline_fences: base, u64 fence_count, u64 handles_ptr, u64 values_ptr.
            var ext = ArgBuffer.ReadUser(c.Caller, at, ContextLayout.ExtSize + 24);
            if (ext is null)
            {
                return -Errno.EFAULT;
            }

            ulong count = ext.U64(ContextLayout.ExtSize);
            if (count == 0)
            {
                return 0;
            }

            // min(ULONG_MAX / sizeof(exec_fence), SIZE_MAX / sizeof(struct eb_fence)) less those of earlier
            // extensions: 32 bytes each.
            if (count > (ulong.MaxValue / 32) - (ulong)fences.Count)
            {
                return -Errno.EINVAL;
            }

            ulong handles = ext.U64(ContextLayout.ExtSize + 8);
            ulong values = ext.U64(ContextLayout.ExtSize + 16);
            if (!AccessOk(handles, count * FenceSize) || !AccessOk(values, count * 8))
            {
                return -Errno.EFAULT;
            }

            if (!CanAllocateFences(fences.Count, count))
            {
                return -Errno.ENOMEM;
            }

            for (ulong i = 0; i < count; i++)
            {
                var entry = ArgBuffer.ReadUser(c.Caller, handles + (i * FenceSize), FenceSize);
                if (entry is null)
                {
                    return -Errno.EFAULT;
                }

                if ((entry.U32(4) & ~FenceFlagsKnown) != 0)
                {
                    return -Errno.EINVAL;
                }

                var point = ArgBuffer.ReadUser(c.Caller, values + (i * 8), 8);
                if (point is null)
                {
                    return -Errno.EFAULT;
                }

                int ret = AddTimelineFence(c, entry.U32(0), point.U64(0), entry.U32(4), fences);
                if (ret != 0)
                {
                    return ret;
                }
            }

            return 0;
        });
    }

    /// <summary>
    /// add_fence_array: FENCE_ARRAY's drm_i915_gem_exec_fence entries at cliprects_ptr, num_cliprects of them (none is
    /// nothing); the range not addressable -EFAULT; more than krealloc can hold -ENOMEM; each entry read (-EFAULT),
    /// flags beyond WAIT|SIGNAL -EINVAL, the syncobj (drm_syncobj_find: -ENOENT); a WAIT entry takes its fence, and one
    /// without a fence is -EINVAL (WAIT|SIGNAL too: unlike the timeline extension).
    /// </summary>
    private static int AddFenceArray(IoctlCall c, ArgBuffer a, ulong flags, List<ExecFence> fences)
    {
        if ((flags & FenceArray) == 0 || a.U32(NumCliprects) == 0)
        {
            return 0;
        }

        ulong n = a.U32(NumCliprects);
        ulong at = a.U64(CliprectsPtr);
        if (!AccessOk(at, n * FenceSize))
        {
            return -Errno.EFAULT;
        }

        if (!CanAllocateFences(fences.Count, n))
        {
            return -Errno.ENOMEM;
        }

        // One read for the whole array; where it faults, entry by entry so the entries before the fault still count
        // (their errors come first, as the kernel copies one at a time).
        var all = ArgBuffer.ReadUser(c.Caller, at, (int)n * FenceSize);
        for (ulong i = 0; i < n; i++)
        {
            ArgBuffer? entry = all;
            int off = (int)i * FenceSize;
            if (all is null)
            {
                entry = ArgBuffer.ReadUser(c.Caller, at + (i * FenceSize), FenceSize);
                off = 0;
                if (entry is null)
                {
                    return -Errno.EFAULT;
                }
            }

            uint fenceFlags = entry!.U32(off + 4);
            if ((fenceFlags & ~FenceFlagsKnown) != 0)
            {
                return -Errno.EINVAL;
            }

            if (c.File.Syncobjs.Find(entry.U32(off)) is not { } syncobj)
            {
                return -Errno.ENOENT;
            }

            // Only a WAIT entry takes the fence, and needs one (even when it also signals).
            DmaFence? fence = null;
            if ((fenceFlags & FenceWait) != 0 && (fence = syncobj.Fence) is null)
            {
                return -Errno.EINVAL;
            }

            fences.Add(new ExecFence(syncobj, fenceFlags, fence));
        }

        return 0;
    }

    /// <summary>
    /// The krealloc of eb->fences to (earlier + more) struct eb_fence (32 bytes each), kmalloc memory: past
    /// KMALLOC_MAX_SIZE (4 MiB on x86-64) it fails, -ENOMEM. Also keeps the one read of a fence array in an int.
    /// </summary>
    private static bool CanAllocateFences(int earlier, ulong more) => more <= (KmallocMaxSize / 32) - (ulong)earlier;

    /// <summary>KMALLOC_MAX_SIZE: 1 &lt;&lt; (MAX_PAGE_ORDER + PAGE_SHIFT).</summary>
    internal const ulong KmallocMaxSize = 1UL << 22;

    /// <summary>
    /// add_timeline_fence_array, per entry: the handle (drm_syncobj_find: -ENOENT); the syncobj's fence taken whatever
    /// the flags; no fence with flags but no SIGNAL -EINVAL; the point looked up on it (dma_fence_chain_find_seqno:
    /// -EINVAL when the timeline has not reached it, returned unless the entry signals, which then keeps the whole
    /// fence, so signalling a new point waits for the timeline's head as i915 does); no fence (none, or the point
    /// signalled and collected) and no SIGNAL: the entry is dropped; WAIT|SIGNAL at a point -EINVAL ("wait and signal
    /// the same timeline point"); SIGNAL at a point adds that point (signal_fence_array's drm_syncobj_add_point).
    /// Whatever fence the entry kept is awaited (await_fence_array), even with no flags.
    /// </summary>
    private static int AddTimelineFence(IoctlCall c, uint handle, ulong point, uint flags, List<ExecFence> fences)
    {
        if (c.File.Syncobjs.Find(handle) is not { } syncobj)
        {
            return -Errno.ENOENT;
        }

        DmaFence? fence = syncobj.Fence;
        bool signal = (flags & FenceSignal) != 0;
        if (fence is null && flags != 0 && !signal)
        {
            return -Errno.EINVAL;
        }

        int err = 0;
        if (fence is not null)
        {
            DmaFence? found = fence;
            err = DmaFenceChain.FindSeqno(ref found, point);
            if (err == 0)
            {
                fence = found;
            }
        }

        if (err != 0 && !signal)
        {
            return err;
        }

        if (fence is null && !signal)
        {
            return 0;
        }

        if (point != 0 && signal && (flags & FenceWait) != 0)
        {
            return -Errno.EINVAL;
        }

        fences.Add(new ExecFence(syncobj, flags, fence, signal ? point : 0));
        return 0;
    }

    /// <summary>
    /// await_fence_array with the FENCE_IN sync_file: every fence the request waits for, each once (an array may name
    /// one syncobj thousands of times).
    /// </summary>
    private static DmaFence[] AwaitFences(DmaFence? inFence, List<ExecFence> fences)
    {
        var set = new HashSet<DmaFence>(ReferenceEqualityComparer.Instance);
        var list = new List<DmaFence>();
        if (inFence is not null && set.Add(inFence))
        {
            list.Add(inFence);
        }

        foreach (ExecFence f in fences)
        {
            if (f.Await is { } w && set.Add(w))
            {
                list.Add(w);
            }
        }

        return [.. list];
    }

    /// <summary>
    /// signal_fence_array: each SIGNAL entry's syncobj gets the request's fence, as timeline point
    /// (drm_syncobj_add_point) or, at point 0, in place of its fence (drm_syncobj_replace_fence).
    /// </summary>
    private static void SignalFenceArray(List<ExecFence> fences, DmaFence request)
    {
        foreach (ExecFence f in fences)
        {
            if ((f.Flags & FenceSignal) == 0)
            {
                continue;
            }

            if (f.Point != 0)
            {
                f.Syncobj.AddPoint(request, f.Point);
            }
            else
            {
                f.Syncobj.ReplaceFence(request);
            }
        }
    }

    /// <summary>
    /// eb_select_engine: with an engine map the ring bits index it (-EINVAL past its end or at an invalid slot);
    /// without one, eb_select_legacy_ring: BSD dispatch bits on another ring, or a ring id past VEBOX, are -EINVAL.
    /// </summary>
    private static int SelectEngine(I915ContextState ctx, ulong flags, out EngineId engine)
    {
        engine = EngineId.Rcs0;
        uint ring = (uint)(flags & RingMask);
        if (ctx.Engines is { } map)
        {
            if (ring >= map.Length || map[ring] is not { } mapped)
            {
                return -Errno.EINVAL;
            }

            engine = mapped;
            return 0;
        }

        if (ring != RingBsd && (flags & BsdMask) != 0)
        {
            return -Errno.EINVAL;
        }

        switch (ring)
        {
            case RingDefault:
            case RingRender: engine = EngineId.Rcs0; return 0;
            case RingBsd: engine = EngineId.Vcs0; return 0;
            case RingBlt: engine = EngineId.Bcs0; return 0;
            case RingVebox: engine = EngineId.Vecs0; return 0;
            default: return -Errno.EINVAL;
        }
    }

    /// <summary>
    /// eb_lookup_vmas + eb_validate_vma, entry by entry: the handle (-ENOENT), then -EINVAL for unknown flags or
    /// NEEDS_GTT (full ppGTT), an alignment that is not a power of two, a pinned offset not page aligned or not
    /// canonical, a pad_to_size not page aligned; a handle listed twice is -EINVAL.
    /// </summary>
    private int LookupObjects(IoctlCall c, ArgBuffer list, uint count, out ExecObject[] objects)
    {
        objects = new ExecObject[count];
        var seen = new HashSet<uint>();
        for (int i = 0; i < count; i++)
        {
            int at = i * ObjectSize;
            var o = new ExecObject(i, list.U32(at + ObjHandle), list.U32(at + ObjRelocationCount), list.U64(at + ObjRelocsPtr),
                list.U64(at + ObjAlignment), list.U64(at + ObjOffset), list.U64(at + ObjFlags));
            int ret = Device.LookupObjectHeld(c.Client, (int)o.Handle, out BufferObject? bo);
            if (ret != 0)
            {
                return ret;
            }

            // Held until the execbuf is done (DropHolds), even when a later entry fails the lookup.
            o.Object = bo;
            if ((o.Flags & (ObjUnknownFlags | ObjNeedsGtt)) != 0)
            {
                return -Errno.EINVAL;
            }

            if (o.Alignment != 0 && (o.Alignment & (o.Alignment - 1)) != 0)
            {
                return -Errno.EINVAL;
            }

            if ((o.Flags & ObjPinned) != 0 && o.Offset != Canonical(o.Offset & ~0xfffUL))
            {
                return -Errno.EINVAL;
            }

            if ((o.Flags & ObjPadToSizeFlag) != 0 && (list.U64(at + ObjPadToSize) & 0xfff) != 0)
            {
                return -Errno.EINVAL;
            }

            if (!seen.Add(o.Handle))
            {
                return -Errno.EINVAL;
            }

            objects[i] = new ExecObject(i, o.Handle, o.RelocationCount, o.RelocsPtr, o.Alignment, NonCanonical(o.Offset), o.Flags)
            {
                Object = bo,
                PadToSize = (o.Flags & ObjPadToSizeFlag) != 0 ? list.U64(at + ObjPadToSize) : 0,
            };
        }

        return 0;
    }

    /// <summary>gen8_canonical_addr: bit 47 sign-extended.</summary>
    private static ulong Canonical(ulong address) => (ulong)((long)(address << 16) >> 16);

    /// <summary>gen8_noncanonical_addr: the low 48 bits.</summary>
    private static ulong NonCanonical(ulong address) => address & ((1UL << 48) - 1);

    /// <summary>
    /// eb_reserve: softpinned objects first, at their offset (-EINVAL outside the address space or off their
    /// alignment); an object bound elsewhere is unbound once idle (i915_vma_unbind waits), and so is another client's
    /// idle object in the way (i915_gem_evict_for_node); this execbuf's own object in the way, or the driver's, is
    /// -ENOSPC; one another execbuf placed and has not submitted yet is -EAGAIN, for drmIoctl to retry once it has
    /// (i915's eb_reserve waits for it: its last pass locks the busy object i915_gem_evict_vm reports, held by the
    /// other execbuf's ww context until it is done, and retries; a -ENOSPC here failed IGT gem_softpin@evict-single-
    /// offset, whose children sharing one file softpin their batches at one offset). Then the rest wherever they are
    /// or fit. Each object is pinned as it is placed, its node added to <paramref name="pins"/> for the caller to
    /// unpin; an object pinned by another execbuf cannot be moved (-EAGAIN).
    /// </summary>
    private int PlaceObjects(IoctlCall c, ExecObject[] objects, List<GgttNode> pins)
    {
        Ggtt ggtt = Device.Gt.Ggtt;
        foreach (ExecObject o in objects.Where(o => (o.Flags & ObjPinned) != 0))
        {
            BufferObject bo = o.Object!;
            ulong size = NodeSize(o);
            // i915_vma_insert: a node larger than the whole address space is -ENOSPC ("reject it early before
            // evicting everything"), checked before PIN_OFFSET_FIXED's alignment and range (-EINVAL).
            if (size > (ulong)ggtt.UserSize)
            {
                return -Errno.ENOSPC;
            }

            // Offset 0 included: under full ppGTT the user owns the whole range (i915_vma_insert, PIN_OFFSET_FIXED).
            if (o.Offset + size > (ulong)ggtt.UserSize || (o.Alignment != 0 && (o.Offset & (o.Alignment - 1)) != 0))
            {
                return -Errno.EINVAL;
            }

            // i915_vma_unbind of a misplaced binding: refused (-EAGAIN, drmIoctl retries) while another execbuf
            // still holds it pinned.
            if (bo.Binding is { } b && (b.Offset != o.Offset || (ulong)b.Size < size))
            {
                if (!UnbindWhenIdle(ggtt, bo))
                {
                    return -Errno.EAGAIN;
                }
            }

            if (bo.Binding is null)
            {
                int ret = EvictRange(ggtt, (uint)o.Offset, size, pins);
                if (ret != 0)
                {
                    return ret;
                }
            }

            try
            {
                // Bound where asked now (or already): pinned in the same step, or -ENOSPC when something is in the
                // range (another execbuf bound it since the eviction: -EAGAIN, as above); -EINVAL when another
                // execbuf moved the object meanwhile.
                pins.Add(ggtt.Insert(bo, (uint)o.Offset, pin: true, size: (long)size));
            }
            catch (DriverException e)
            {
                return e.Errno switch
                {
                    Errno.EINVAL => -Errno.EAGAIN,
                    Errno.ENOSPC => HeldRangeErrno(ggtt, (uint)o.Offset, size, pins),
                    _ => -e.Errno,
                };
            }
        }

        foreach (ExecObject o in objects.Where(o => (o.Flags & ObjPinned) == 0))
        {
            try
            {
                uint alignment = (uint)Math.Clamp(o.Alignment, DeviceMemory.PageSize, 1UL << 31);
                ulong size = NodeSize(o);
                if (size > (ulong)ggtt.UserSize)
                {
                    return -Errno.ENOSPC;
                }

                // eb_vma_misplaced: bound off the asked alignment, or smaller than the pad asked now, it is unbound
                // (once idle) and placed again.
                if (o.Object!.Binding is { } b && ((b.Offset & (alignment - 1)) != 0 || (ulong)b.Size < size))
                {
                    if (!UnbindWhenIdle(ggtt, o.Object))
                    {
                        return -Errno.EAGAIN;
                    }
                }

                if (o.Object.Binding is null && TryPlaceAtPresumed(ggtt, o, alignment, size) is { } presumed)
                {
                    pins.Add(presumed);
                    continue;
                }

                try
                {
                    pins.Add(ggtt.Insert(o.Object, null, alignment, pin: true, size: (long)size));
                }
                catch (DriverException e) when (e.Errno == Errno.ENOSPC && o.Object.Binding is null)
                {
                    // No free hole: i915_gem_gtt_insert evicts (i915_gem_evict_something, then eb_reserve's
                    // i915_gem_evict_vm passes) rather than fail.
                    int ret = EvictSomething(ggtt, o.Object, size, alignment, pins);
                    if (ret != 0)
                    {
                        return ret;
                    }
                }
            }
            catch (DriverException e)
            {
                return -e.Errno;
            }
        }

        return 0;
    }

    /// <summary>
    /// i915_gem_gtt_insert with no free hole for an unbound, not softpinned object: i915_gem_evict_something makes
    /// one of users' bindings that are neither pinned (this execbuf's own, or another's until it submits) nor the
    /// driver's, idle ones first (eb_reserve's PIN_NONBLOCK pass), busy ones only when no idle range will do (the
    /// unbind waits for them, as __i915_vma_unbind's i915_vma_sync); the object is then pinned there. No range but
    /// over another execbuf's pins is -EAGAIN (eb_reserve's last pass waits for that execbuf: drmIoctl retries);
    /// none at all -ENOSPC. Every eviction goes through <see cref="EvictRange"/>, which never unbinds a pinned or
    /// busy binding, so no request loses an object it still uses.
    /// </summary>
    private int EvictSomething(Ggtt ggtt, BufferObject bo, ulong size, uint alignment, List<GgttNode> pins)
    {
        bool Evictable(GgttNode n) => (n.Object.Flags & BoFlags.Kernel) == 0 && !n.IsPinned && !pins.Contains(n);
        uint? hole = ggtt.FindEvictableRange((long)size, alignment, n => Evictable(n) && n.Object.Resv.TestSignaled(DmaResvUsage.Bookkeep))
            ?? ggtt.FindEvictableRange((long)size, alignment, Evictable);
        if (hole is not { } offset)
        {
            return ggtt.FindEvictableRange((long)size, alignment,
                n => (n.Object.Flags & BoFlags.Kernel) == 0 && !pins.Contains(n)) is null ? -Errno.ENOSPC : -Errno.EAGAIN;
        }

        int ret = EvictRange(ggtt, offset, size, pins);
        if (ret != 0)
        {
            return ret;
        }

        try
        {
            pins.Add(ggtt.Insert(bo, offset, pin: true, size: (long)size));
            return 0;
        }
        catch (DriverException e)
        {
            // Another execbuf took the range, or bound the object, since the eviction: it is done with them once it
            // submits, so drmIoctl's retry finds them idle.
            return e.Errno == Errno.ENOSPC ? HeldRangeErrno(ggtt, offset, size, pins) : -Errno.EAGAIN;
        }
    }

    /// <summary>
    /// eb_pin_vma's "attempt to reuse the current location if available" for an unbound object: pinned at the offset
    /// its entry gives (PIN_OFFSET_FIXED | PIN_NOEVICT: only where that range is free, in the address space and on the
    /// asked alignment; nothing is evicted for it), else null and the caller picks any free range. Offset 0 counts as
    /// no preference here (a deviation: i915 tries 0 as well, but this one shared range keeps page 0 for explicit
    /// softpins, so a null address keeps faulting); a pad larger than the object is placed afresh, as i915 finds the
    /// fixed pin misplaced (eb_vma_misplaced) and reserves it again.
    /// </summary>
    private static GgttNode? TryPlaceAtPresumed(Ggtt ggtt, ExecObject o, uint alignment, ulong size)
    {
        if (o.Offset == 0 || (o.Offset & (alignment - 1)) != 0 || size != (ulong)o.Object!.Size
            || o.Offset + size > (ulong)ggtt.UserSize)
        {
            return null;
        }

        try
        {
            return ggtt.Insert(o.Object, (uint)o.Offset, pin: true);
        }
        catch (DriverException e) when (e.Errno is Errno.ENOSPC or Errno.EINVAL)
        {
            // In use (ENOSPC), or bound by another execbuf meanwhile (EINVAL): as i915, any free space instead.
            return null;
        }
    }

    /// <summary>
    /// The range an object's binding takes: the object, or pad_to_size when larger (i915_vma_insert:
    /// size = max(size, vma->size); the padding maps nothing of the object).
    /// </summary>
    private static ulong NodeSize(ExecObject o) => Math.Max((ulong)o.Object!.Size, o.PadToSize);

    /// <summary>
    /// i915_gem_evict_for_node over [offset, +size): users' objects are unbound once idle; this execbuf's own
    /// (<paramref name="pins"/>) and the driver's are -ENOSPC; one that another execbuf in flight placed and has not
    /// yet submitted is -EAGAIN (see <see cref="HeldRangeErrno"/>). The pin is checked again under the GGTT mutex at
    /// the unbind, after the wait. Every object that is not
    /// the driver's is a user's, whether a handle still names it or its last one is being closed (i915 frees the vma
    /// only with the object): deciding that by the handle tables left a closing object, between its handle's removal
    /// and its release, in nobody's hands and so unevictable.
    /// </summary>
    private int EvictRange(Ggtt ggtt, uint offset, ulong size, List<GgttNode> pins)
    {
        foreach (GgttNode node in NodesIn(ggtt, offset, size))
        {
            // The driver's own objects are pinned for good in i915 (and lie above the users' range here anyway).
            if (IsUnevictable(node, pins))
            {
                return -Errno.ENOSPC;
            }

            // Pinned by another execbuf (only execbufs pin users' objects), now or once idle: free when it submits.
            if (node.IsPinned || !UnbindWhenIdle(ggtt, node.Object))
            {
                return HeldRangeErrno(ggtt, offset, size, pins);
            }
        }

        return 0;
    }

    /// <summary>
    /// The bindings in [<paramref name="offset"/>, +<paramref name="size"/>), in address order; the walk goes on from
    /// the end of each one, so a caller may unbind the one it was given.
    /// </summary>
    private static IEnumerable<GgttNode> NodesIn(Ggtt ggtt, uint offset, ulong size)
    {
        for (ulong at = offset; at < offset + size;)
        {
            if (ggtt.NodeAt((uint)at) is not { } node)
            {
                at += DeviceMemory.PageSize;
                continue;
            }

            yield return node;
            at = (ulong)node.End;
        }
    }

    /// <summary>What no wait frees: the driver's own object, or one of this execbuf's (<paramref name="pins"/>).</summary>
    private static bool IsUnevictable(GgttNode node, List<GgttNode> pins) =>
        (node.Object.Flags & BoFlags.Kernel) != 0 || pins.Contains(node);

    /// <summary>
    /// Why [offset, +size) cannot be had: -ENOSPC when this execbuf's own object (<paramref name="pins"/>) or the
    /// driver's is in it, which no wait frees (i915_gem_evict_for_node over the execbuf's own vma); otherwise
    /// another execbuf holds it only until it submits, and i915's eb_reserve would wait for that (its last pass,
    /// i915_gem_evict_vm's busy_bo, locks the object and retries): -EAGAIN, which drmIoctl retries.
    /// </summary>
    private static int HeldRangeErrno(Ggtt ggtt, uint offset, ulong size, List<GgttNode> pins) =>
        NodesIn(ggtt, offset, size).Any(n => IsUnevictable(n, pins)) ? -Errno.ENOSPC : -Errno.EAGAIN;

    /// <summary>
    /// i915_vma_unbind: waits for <paramref name="bo"/> to be idle, then unbinds it unless pinned (false). A request
    /// that became active on it during the wait (its execbuf pinned, submitted and unpinned meanwhile) is waited for
    /// too: the unbind checks idleness under the GGTT mutex (<see cref="Ggtt.TryRemoveIdle"/>), as __i915_vma_unbind
    /// syncs under vm->mutex. A GTT mmap of the object is revoked and its fence register released with the unbind
    /// (<c>GttMmapManager.Evict</c>, __i915_vma_evict).
    /// </summary>
    private bool UnbindWhenIdle(Ggtt ggtt, BufferObject bo)
    {
        while (true)
        {
            bo.Resv.WaitTimeout(DmaResvUsage.Bookkeep, -1);
            bool busy = false;
            if (Device.Mmaps.Evict(bo, () => ggtt.TryRemoveIdle(bo, out busy)))
            {
                return true;
            }

            if (!busy)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// eb_relocate_vma / eb_relocate_entry for every object with relocations: the entries (-EFAULT); the target
    /// (an index with HANDLE_LUT, else a handle of this exec list: -ENOENT); -EINVAL for several write domains or a
    /// domain outside the GPU's; a write domain makes the target written (EXEC_OBJECT_WRITE); an entry whose
    /// presumed offset is right is left alone; else -EINVAL past the object or not dword aligned, and the 64-bit
    /// address (target + (s32)delta, canonical) is written and the presumed offset updated in the user's entry.
    /// </summary>
    private static int Relocate(IoctlCall c, ExecObject[] objects, bool handleLut)
    {
        Dictionary<uint, ExecObject>? byHandle = handleLut ? null : objects.ToDictionary(o => o.Handle);
        Span<byte> presumed = stackalloc byte[8];
        foreach (ExecObject o in objects.Where(o => o.RelocationCount != 0))
        {
            if (o.RelocationCount > int.MaxValue / RelocSize)
            {
                return -Errno.EINVAL;
            }

            var relocs = ArgBuffer.ReadUser(c.Caller, o.RelocsPtr, (int)o.RelocationCount * RelocSize);
            if (relocs is null)
            {
                return -Errno.EFAULT;
            }

            BufferObject bo = o.Object!;
            for (int i = 0; i < o.RelocationCount; i++)
            {
                int at = i * RelocSize;
                uint handle = relocs.U32(at + RelocTarget);
                ExecObject? target = handleLut
                    ? (handle < objects.Length ? objects[handle] : null)
                    : (byHandle!.TryGetValue(handle, out ExecObject? t) ? t : null);
                if (target is null)
                {
                    return -Errno.ENOENT;
                }

                uint write = relocs.U32(at + RelocWrite);
                uint read = relocs.U32(at + RelocRead);
                if ((write & (write - 1)) != 0 || ((write | read) & ~GemLayout.GpuDomains) != 0)
                {
                    return -Errno.EINVAL;
                }

                if (write != 0)
                {
                    target.Flags |= ObjWrite;
                }

                ulong targetOffset = Canonical(target.Object!.GgttOffset);
                if (relocs.U64(at + RelocPresumed) == targetOffset)
                {
                    continue;
                }

                ulong offset = relocs.U64(at + RelocOffset);
                if (offset > (ulong)bo.Size - 8 || (offset & 3) != 0)
                {
                    return -Errno.EINVAL;
                }

                ulong address = Canonical(target.Object.GgttOffset + (ulong)(long)(int)relocs.U32(at + RelocDelta));
                bo.WriteDword((long)offset, (uint)address);
                bo.WriteDword((long)offset + 4, (uint)(address >> 32));
                BinaryPrimitives.WriteUInt64LittleEndian(presumed, targetOffset);
                if (!c.Caller.TryWrite(o.RelocsPtr + (ulong)at + RelocPresumed, presumed))
                {
                    return -Errno.EFAULT;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// The execbuf's epilogue: each object's offset, canonical, written to the user's exec list where it differs
    /// from what was given ("we don't want to report any errors" past the point of no return: faults are ignored).
    /// </summary>
    private static void WriteBackOffsets(IoctlCall c, ulong list, ExecObject[] objects)
    {
        Span<byte> bytes = stackalloc byte[8];
        foreach (ExecObject o in objects)
        {
            if (o.Object!.Binding is not { } node || node.Offset == o.Offset)
            {
                continue;
            }

            BinaryPrimitives.WriteUInt64LittleEndian(bytes, Canonical(node.Offset));
            c.Caller.TryWrite(list + (ulong)(o.Index * ObjectSize) + ObjOffset, bytes);
        }
    }
}
