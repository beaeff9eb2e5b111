using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Ggtt;
using Driver.Core.Memory;
using Driver.Core.Userptr;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using Driver.Reset.Mmap;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>
/// Execbuf's pins and its epilogue: objects placed by an execbuf stay pinned until its request's fence is in their
/// reservations (eb_reserve .. eb_release_vmas), so another execbuf's softpin cannot evict them meanwhile (it is
/// -EAGAIN for drmIoctl to retry, as eb_reserve waits for the holder; -ENOSPC over this execbuf's own); a request submitted by a failing execbuf still signals the
/// syncobjs (signal_fence_array); the out-fence's descriptor is reserved before anything is built
/// (get_unused_fd_flags).
/// </summary>
public class ExecPinTests
{
    private const uint TargetAddress = 0x1000_0000;
    private const uint Page = 4096;

    /// <summary>GEM_CREATE on <paramref name="file"/>; returns the handle.</summary>
    private static uint CreateOn(DrmHarness h, DrmFile file)
    {
        ArgBuffer a = DrmHarness.Arg(GemLayout.CreateSize);
        a.SetU64(0, Page);
        Assert.Equal(0, h.Ioctl(file, Requests.GemCreate, a));
        return a.U32(GemLayout.CreateHandle);
    }

    private static BufferObject Bo(DrmHarness h, DrmFile file, uint handle)
    {
        Assert.Equal(0, h.Dev.LookupObject(file.ClientId, (int)handle, out BufferObject? bo));
        return bo!;
    }

    private static ulong Fences(DrmHarness h, uint syncobj, uint flags)
    {
        var a = new ArgBuffer(new byte[FenceSize]);
        a.SetU32(0, syncobj);
        a.SetU32(4, flags);
        return h.Caller.Put(a.Data);
    }

    [Fact]
    public void SoftpinOverAnObjectOfAnExecbufNotYetSubmitted_IsEagainForDrmIoctlToRetry_AndTheBatchWritesWhereItWasRelocated()
    {
        // Execbuf A holds its objects from eb_reserve until its request is in their reservations; before that they
        // carry no fence and look idle, yet B's softpin must not unbind one (A's batch was relocated against its
        // address). Nor may B fail for good: i915's eb_reserve, finding the range held (grab_vma cannot lock A's
        // object), retries with i915_gem_evict_vm(busy_bo) and waits for A's lock on it, so B succeeds once A has
        // submitted (IGT gem_softpin@evict-single-offset: children sharing a file softpin their batches at one
        // offset). GpuSim answers -EAGAIN, which drmIoctl retries, instead of blocking in the ioctl. -ENOSPC is kept
        // for what no wait frees: this execbuf's own objects and the driver's.
        using var h = DrmHarness.Fast();
        DrmFile other = h.Driver.Open(7);
        uint target = h.Create();
        uint batch = h.Create();
        // MI_STORE_DWORD_IMM with a 64-bit address, relocated to target + 8.
        h.Write(batch, 0, [.. Mi.StoreDword64(0, 0xa11ce), Mi.BatchBufferEnd]);
        ulong relocs = h.Caller.Put(Reloc(target, 4, delta: 8, write: 2));
        ArgBuffer execA = Execbuf(h, 0, 0, Object(target), Object(batch, relocationCount: 1, relocs: relocs));

        uint theirs = CreateOn(h, other);
        uint theirBatch = CreateOn(h, other);
        Assert.Equal(0, h.Ioctl(other, Requests.GemPwrite, Pwrite(h, theirBatch, Mi.BatchBufferEnd)));
        int during = int.MinValue;
        uint placedAt = 0;
        ArgBuffer? execB = null;
        h.Driver.ExecbufBeforeSubmit = () =>
        {
            h.Driver.ExecbufBeforeSubmit = null;
            placedAt = Bo(h, h.File, target).GgttOffset;
            execB = Execbuf(h, 0, 0, Object(theirs, ObjPinned | ObjWrite, placedAt), Object(theirBatch));
            during = h.Ioctl(other, Requests.Execbuffer2, execB);
        };

        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, execA));
        Assert.Equal(-Errno.EAGAIN, during);
        Assert.Equal(0, h.Wait(target, Bound.LongNs));
        // A's batch wrote at the address it was relocated to: into its own object, still bound there.
        Assert.Equal(placedAt, Bo(h, h.File, target).GgttOffset);
        Assert.Equal(new uint[] { 0, 0, 0xa11ce }, h.Read(target, 0, 3));
        Assert.Null(Bo(h, other, theirs).Binding);
        Assert.False(Bo(h, h.File, target).Binding!.IsPinned);
        Assert.False(Bo(h, h.File, batch).Binding!.IsPinned);

        // drmIoctl's retry, A submitted and idle: B evicts A's object and gets its offset.
        Assert.Equal(0, h.Ioctl(other, Requests.Execbuffer2, execB!));
        Assert.Equal(placedAt, Bo(h, other, theirs).GgttOffset);
        Assert.Null(Bo(h, h.File, target).Binding);
    }

    [Fact]
    public void SoftpinOverAnObjectOfASubmittedExecbuf_WaitsForItsFenceThenEvicts()
    {
        // eb_release_vmas drops the pins once the request is added: from then the object is busy, not pinned, and
        // i915_gem_evict_for_node waits for it and unbinds it.
        using var h = DrmHarness.WithoutHeartbeat();
        DrmFile other = h.Driver.Open(7);
        uint gate = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, [.. Mi.SemaphoreWait(TargetAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        ArgBuffer execA = Execbuf(h, FenceOut, 0, Object(gate, ObjPinned, TargetAddress), Object(batch));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, execA));
        DmaFence spinning = h.Fence((int)(execA.U64(Rsvd2) >> 32));
        Assert.False(Bo(h, h.File, gate).Binding!.IsPinned);

        uint theirs = CreateOn(h, other);
        uint theirBatch = CreateOn(h, other);
        Assert.Equal(0, h.Ioctl(other, Requests.GemPwrite, Pwrite(h, theirBatch, Mi.BatchBufferEnd)));
        ArgBuffer execB = Execbuf(h, 0, 0, Object(theirs, ObjPinned, TargetAddress), Object(theirBatch));
        int ret = int.MinValue;
        bool spinnerDoneFirst = false;
        var b = TestThread.Start("softpin over the busy gate", () =>
        {
            ret = h.Ioctl(other, Requests.Execbuffer2, execB);
            spinnerDoneFirst = spinning.IsSignaled;
        });
        // Still waiting for A's request: the eviction waits, it neither fails nor unbinds under the batch.
        Assert.False(Poll.TryUntil(() => !b.Thread.IsAlive, Bound.Short));
        h.CpuWrite(gate, 0, 1);
        b.Join(Bound.Long);
        Assert.Equal(0, ret);
        Assert.True(spinnerDoneFirst);
        Assert.Equal(0, spinning.Error);
        Assert.Null(Bo(h, h.File, gate).Binding);
        Assert.Equal(TargetAddress, Bo(h, other, theirs).GgttOffset);
    }

    [Fact]
    public void SoftpinOverAnObjectWhoseLastHandleIsBeingClosed_EvictsIt()
    {
        // i915_gem_evict_for_node unbinds any vma in the range that is not pinned; an object whose handle was just
        // closed is still a user's object until it is freed (IGT gem_softpin@allocator-fork: a child softpins where
        // another child's object was, while that one closes it). Only the driver's own objects and pinned ones are
        // -ENOSPC.
        using var h = DrmHarness.Fast();
        DrmFile other = h.Driver.Open(7);
        uint gate = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, [Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(gate, ObjPinned, TargetAddress), Object(batch))));
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));

        uint theirs = CreateOn(h, other);
        uint theirBatch = CreateOn(h, other);
        Assert.Equal(0, h.Ioctl(other, Requests.GemPwrite, Pwrite(h, theirBatch, Mi.BatchBufferEnd)));
        int during = int.MinValue;
        h.Dev.CloseBeforeRelease = _ =>
        {
            h.Dev.CloseBeforeRelease = null;
            during = h.Ioctl(other, Requests.Execbuffer2, Execbuf(h, 0, 0, Object(theirs, ObjPinned, TargetAddress), Object(theirBatch)));
        };

        ArgBuffer close = DrmHarness.Arg(DrmCoreLayout.GemCloseSize);
        close.SetU32(0, gate);
        Assert.Equal(0, h.Ioctl(Requests.GemClose, close));
        Assert.Equal(0, during);
        Assert.Equal(TargetAddress, Bo(h, other, theirs).GgttOffset);
    }

    [Fact]
    public void SoftpinEviction_WaitsForWorkSubmittedOnTheVictimWhileItWaited()
    {
        // __i915_vma_unbind: once the vma is found unpinned, i915_vma_sync waits (under vm->mutex, which every new
        // pin takes) for every request still active on it, including one that became active while the evictor
        // waited for the first: unbinding under an active request lets its batch reach whatever is bound there next.
        using var h = DrmHarness.WithoutHeartbeat();
        const uint SecondGate = TargetAddress + 0x10_0000;
        DrmFile other = h.Driver.Open(7);
        uint gate = h.Create();
        uint gate2 = h.Create();
        uint batch1 = h.Create();
        h.Write(batch1, 0, [.. Mi.SemaphoreWait(TargetAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(gate, ObjPinned, TargetAddress), Object(batch1))));
        DmaFence first = Assert.Single(Bo(h, h.File, gate).Resv.GetFences(Driver.Core.Resv.DmaResvUsage.Bookkeep));

        uint theirs = CreateOn(h, other);
        uint theirBatch = CreateOn(h, other);
        Assert.Equal(0, h.Ioctl(other, Requests.GemPwrite, Pwrite(h, theirBatch, Mi.BatchBufferEnd)));
        ArgBuffer execB = Execbuf(h, 0, 0, Object(theirs, ObjPinned, TargetAddress), Object(theirBatch));
        int ret = int.MinValue;
        DmaFence? second = null;
        bool secondDoneFirst = false;
        var b = TestThread.Start("softpin over the busy gate", () =>
        {
            ret = h.Ioctl(other, Requests.Execbuffer2, execB);
            secondDoneFirst = second!.IsSignaled;
        });
        // The evictor sleeps on the first request: it has looked at the gate's reservation.
        Poll.Until(() => first.Waiters > 0, "the softpin's eviction waits for the first request",
            () => $"waiters {first.Waiters}, evictor alive {b.Thread.IsAlive}", Bound.Long);

        // Meanwhile the owner submits more work on the gate: it waits on a second gate, then stores at gate + 8.
        uint batch2 = h.Create();
        h.Write(batch2, 0, [.. Mi.SemaphoreWait(SecondGate, CompareOp.Equal, 1), .. Mi.StoreDword(TargetAddress + 8, 0xbad), Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0,
            Object(gate, ObjPinned | ObjWrite, TargetAddress), Object(gate2, ObjPinned, SecondGate), Object(batch2))));
        second = Assert.Single(Bo(h, h.File, gate2).Resv.GetFences(Driver.Core.Resv.DmaResvUsage.Bookkeep));

        h.CpuWrite(gate, 0, 1);
        Assert.True(first.Wait(Bound.Long));
        // Room for a wrong eviction to finish now; the right one still waits for the second request.
        Poll.TryUntil(() => !b.Thread.IsAlive, Bound.Short);
        h.CpuWrite(gate2, 0, 1);
        b.Join(Bound.Long);
        Assert.True(second.Wait(Bound.Long));

        Assert.Equal(0, ret);
        Assert.Equal(0, second.Error);
        Assert.True(secondDoneFirst, "the softpin evicted the gate while a request using it was still active");
        Assert.Equal(0u, Bo(h, other, theirs).ReadDword(8));
        Assert.Equal(0xbadu, Bo(h, h.File, gate).ReadDword(8));
        Assert.Equal(TargetAddress, Bo(h, other, theirs).GgttOffset);
    }

    [Fact]
    public void SoftpinEvictionOfAGttMappedObject_RevokesItsMappingAndFreesItsFenceRegister()
    {
        // __i915_vma_evict: before the range goes to another object, i915_vma_revoke_mmap zaps the user's GTT mmap
        // PTEs (the aperture address would reach the new owner's pages) and i915_vma_revoke_fence clears the
        // object's fence register (it would detile the new owner's range); the next access faults and binds anew.
        using var h = DrmHarness.Fast();
        DrmFile other = h.Driver.Open(7);
        uint tiled = h.Create();
        Assert.Equal(0, h.Dev.MapGtt(h.File.ClientId, (int)tiled, TilingMode.X, 512, out GttMapping? map));
        using (map)
        {
            map![1] = 0x1234;
            BufferObject bo = Bo(h, h.File, tiled);
            uint at = bo.GgttOffset;
            FenceRegisterFile fences = h.Dev.Mmaps.Fences;
            int fence = Enumerable.Range(0, fences.Count).Single(i => fences.OwnerOf(i) is not null);
            Assert.True(fences.Read(fence).IsValid);

            uint theirs = CreateOn(h, other);
            uint theirBatch = CreateOn(h, other);
            Assert.Equal(0, h.Ioctl(other, Requests.GemPwrite, Pwrite(h, theirBatch, Mi.BatchBufferEnd)));
            Assert.Equal(0, h.Ioctl(other, Requests.Execbuffer2, Execbuf(h, 0, 0, Object(theirs, ObjPinned, at), Object(theirBatch))));
            Assert.Equal(at, Bo(h, other, theirs).GgttOffset);

            Assert.Equal(0, map.PresentPages);
            Assert.Null(fences.OwnerOf(fence));
            Assert.Equal(FenceValue.Cleared, fences.Read(fence));

            long faults = h.Dev.Mmaps.Faults;
            Assert.Equal(0x1234u, map[1]);
            Assert.True(h.Dev.Mmaps.Faults > faults, "the access after the eviction did not fault");
            Assert.NotEqual(at, bo.GgttOffset);
        }
    }

    [Fact]
    public void UserptrInvalidatedBeforeTheSubmitCheck_IsEagain_YetTheSyncobjGetsTheRequest()
    {
        // eb_move_to_gpu's i915_gem_object_userptr_submit_done fails the execbuf with -EAGAIN after the request was
        // built; eb_requests_add still adds it and signal_fence_array still runs (only the out-fence is dropped).
        using var h = DrmHarness.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, h.Dev.Userptr(h.File.ClientId, mm, addr, Page, 0, out int userptr));
        uint batch = h.Create();
        h.Write(batch, 0, [.. Mi.StoreDword(TargetAddress, 7), Mi.BatchBufferEnd]);
        uint syncobj = h.CreateSyncobj();
        ArgBuffer a = Execbuf(h, FenceArray, 0, Object((uint)userptr, ObjPinned | ObjWrite, TargetAddress), Object(batch));
        a.SetU64(CliprectsPtr, Fences(h, syncobj, FenceSignal));
        a.SetU32(NumCliprects, 1);
        TestThread? migrate = null;
        h.Dev.UserptrBeforeSubmitDone = obj =>
        {
            h.Dev.UserptrBeforeSubmitDone = null;
            migrate = TestThread.Start("cpu-mm migrate", () => mm.Migrate(addr, Page));
            Poll.Until(() => obj.Invalidations == 1, "the invalidate callback ran", () => $"{obj.Invalidations}", Bound.Long);
        };

        Assert.Equal(-Errno.EAGAIN, h.Ioctl(Requests.Execbuffer2, a));
        migrate!.Join(Bound.Long);
        DmaFence rq = Assert.IsAssignableFrom<DmaFence>(h.Syncobj(syncobj).Fence);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EAGAIN, rq.Error);
    }

    [Fact]
    public void UserptrInvalidatedBeforeTheSubmitCheck_IsEagain_YetThePlacedOffsetsAreWrittenBack()
    {
        // i915_gem_execbuffer2_ioctl: "we try to write out the current object locations irrespective of any error":
        // __EXEC_HAS_RELOC is cleared only when eb_relocate_parse fails, so an error after it (eb_submit's -EAGAIN
        // from i915_gem_object_userptr_submit_done) still copies the new offsets back to the exec list.
        using var h = DrmHarness.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, h.Dev.Userptr(h.File.ClientId, mm, addr, Page, 0, out int userptr));
        uint batch = h.Create();
        h.Write(batch, 0, [.. Mi.StoreDword(TargetAddress, 7), Mi.BatchBufferEnd]);
        ArgBuffer a = Execbuf(h, 0, 0, Object((uint)userptr, ObjPinned | ObjWrite, TargetAddress), Object(batch));
        TestThread? migrate = null;
        h.Dev.UserptrBeforeSubmitDone = obj =>
        {
            h.Dev.UserptrBeforeSubmitDone = null;
            migrate = TestThread.Start("cpu-mm migrate", () => mm.Migrate(addr, Page));
            Poll.Until(() => obj.Invalidations == 1, "the invalidate callback ran", () => $"{obj.Invalidations}", Bound.Long);
        };

        Assert.Equal(-Errno.EAGAIN, h.Ioctl(Requests.Execbuffer2, a));
        migrate!.Join(Bound.Long);
        // The batch was placed (presumed at 0, put elsewhere): its new offset is in the user's exec object.
        uint placed = Bo(h, h.File, batch).GgttOffset;
        Assert.NotEqual(0u, placed);
        Assert.Equal((ulong)placed, h.Caller.U64(a.U64(BuffersPtr) + ObjectSize + ObjOffset));
        Assert.Equal((ulong)TargetAddress, h.Caller.U64(a.U64(BuffersPtr) + ObjOffset));
    }

    [Fact]
    public void OutFenceWithoutRoomForADescriptor_IsEmfileWithNothingSubmitted()
    {
        // i915_gem_do_execbuffer: get_unused_fd_flags before anything is built; -EMFILE leaves the objects idle and
        // the syncobjs as they were.
        using var h = DrmHarness.Fast();
        uint target = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, [.. Mi.StoreDword(TargetAddress, 7), Mi.BatchBufferEnd]);
        uint syncobj = h.CreateSyncobj();
        ArgBuffer a = Execbuf(h, FenceOut | FenceArray, 0, Object(target, ObjPinned | ObjWrite, TargetAddress), Object(batch));
        a.SetU64(CliprectsPtr, Fences(h, syncobj, FenceSignal));
        a.SetU32(NumCliprects, 1);
        h.Caller.ReserveError = -Errno.EMFILE;
        Assert.Equal(-Errno.EMFILE, h.Ioctl(Requests.Execbuffer2Wr, a));
        Assert.Null(h.Syncobj(syncobj).Fence);
        Assert.Empty(Bo(h, h.File, target).Resv.GetFences(Driver.Core.Resv.DmaResvUsage.Bookkeep));

        h.Caller.ReserveError = 0;
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        Assert.True(h.Fence((int)(a.U64(Rsvd2) >> 32)).Wait(Bound.Long));
        Assert.Equal(new uint[] { 7 }, h.Read(target, 0, 1));
    }

    private static ArgBuffer Pwrite(DrmHarness h, uint handle, params uint[] dwords)
    {
        byte[] bytes = new byte[dwords.Length * 4];
        Buffer.BlockCopy(dwords, 0, bytes, 0, bytes.Length);
        ArgBuffer a = DrmHarness.Arg(GemLayout.RwSize);
        a.SetU32(GemLayout.RwHandle, handle);
        a.SetU64(GemLayout.RwLength, (ulong)bytes.Length);
        a.SetU64(GemLayout.RwData, h.Caller.Put(bytes));
        return a;
    }
}
