using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Syncobj;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>
/// Execbuf's DRM_I915_GEM_EXECBUFFER_EXT_TIMELINE_FENCES at timeline points (i915_gem_execbuffer.c:
/// parse_timeline_fences, add_timeline_fence_array, await_fence_array, signal_fence_array with drm_syncobj_add_point).
/// </summary>
public class ExecTimelineFenceTests
{
    private const uint GateAddress = 0x1000_0000;

    private static uint BatchWithEnd(DrmHarness h)
    {
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd);
        return batch;
    }

    /// <summary>A batch spinning on a gate object's first dword until the CPU writes 1 there (igt_spin's role).</summary>
    private static (uint Gate, uint Batch) Spinner(DrmHarness h)
    {
        uint gate = h.Create();
        uint batch = h.Create();
        h.Write(batch, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(gate, ObjPinned, GateAddress), Object(batch))));
        return (gate, batch);
    }

    /// <summary>drm_i915_gem_execbuffer_ext_timeline_fences with <paramref name="fences"/>, chained to <paramref name="next"/>.</summary>
    private static ulong Ext(DrmHarness h, (uint Handle, uint Flags, ulong Point)[] fences, ulong next = 0, ulong? handles = null, ulong? values = null)
    {
        var entries = new ArgBuffer(new byte[Math.Max(1, fences.Length) * FenceSize]);
        var points = new ArgBuffer(new byte[Math.Max(1, fences.Length) * 8]);
        for (int i = 0; i < fences.Length; i++)
        {
            entries.SetU32(i * FenceSize, fences[i].Handle);
            entries.SetU32((i * FenceSize) + 4, fences[i].Flags);
            points.SetU64(i * 8, fences[i].Point);
        }

        var ext = new ArgBuffer(new byte[ContextLayout.ExtSize + 24]);
        ext.SetU64(ContextLayout.ExtNext, next);
        ext.SetU64(ContextLayout.ExtSize, (ulong)fences.Length);
        ext.SetU64(ContextLayout.ExtSize + 8, handles ?? h.Caller.Put(entries.Data));
        ext.SetU64(ContextLayout.ExtSize + 16, values ?? h.Caller.Put(points.Data));
        return h.Caller.Put(ext.Data);
    }

    private static ArgBuffer WithTimeline(DrmHarness h, uint batch, params (uint Handle, uint Flags, ulong Point)[] fences)
    {
        ArgBuffer a = Execbuf(h, UseExtensions, 0, Object(batch));
        a.SetU64(CliprectsPtr, Ext(h, fences));
        return a;
    }

    [Fact]
    public void InvalidTimelineFenceArrays()
    {
        // parse_execbuf2_extensions: num_cliprects -EINVAL, FENCE_ARRAY with the extension -EINVAL;
        // add_timeline_fence_array: handles_ptr or values_ptr not addressable -EFAULT; an unknown handle -ENOENT;
        // unknown flags -EINVAL; WAIT on a syncobj without a fence -EINVAL (test_invalid_timeline_fence_array).
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        ArgBuffer a = WithTimeline(h, batch, (s, FenceSignal, 1));
        a.SetU32(NumCliprects, 1);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, a));
        a = WithTimeline(h, batch, (s, FenceSignal, 1));
        a.SetU64(ExecbufLayout.Flags, UseExtensions | FenceArray);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, a));
        a = Execbuf(h, UseExtensions, 0, Object(batch));
        a.SetU64(CliprectsPtr, Ext(h, [(s, FenceSignal, 1)], handles: ulong.MaxValue));
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU64(CliprectsPtr, Ext(h, [(s, FenceSignal, 1)], values: ulong.MaxValue));
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Execbuffer2, a));
        a.SetU64(CliprectsPtr, Ext(h, [(s, FenceSignal, 1)], values: FakeCaller.BadAddress));
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Execbuffer2, a));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (0, FenceWait, 1))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, ~0u, 1))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, FenceWait, 1))));
        Assert.Null(h.Syncobj(s).Fence);
    }

    [Fact]
    public void WaitingOnAPointNotYetSubmittedIsEinval()
    {
        // add_timeline_fence_array: dma_fence_chain_find_seqno past the head is -EINVAL unless the entry signals;
        // a signalled point is found (test_syncobj_timeline_invalid_wait). WAIT|SIGNAL at a point -EINVAL ("wait &
        // signal the same timeline point"); the syncobj is left as it was.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, FenceSignal, 1))));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, FenceWait, 2))));
        DmaFence head = h.Syncobj(s).Fence!;
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, FenceWait | FenceSignal, 1))));
        Assert.Same(head, h.Syncobj(s).Fence);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, FenceWait, 1))));
        Assert.Equal(0, h.Wait(batch, Bound.LongNs));
    }

    [Fact]
    public void SignalAddsThePointWhenTheRequestCompletes()
    {
        // signal_fence_array: drm_syncobj_add_point with the request's fence: available at once (WAIT_AVAILABLE),
        // signalled only once the request ran behind the spinner; QUERY then reads the point
        // (test_syncobj_timeline_signal).
        using var h = DrmHarness.WithoutHeartbeat();
        (uint gate, uint spin) = Spinner(h);
        uint batch = BatchWithEnd(h);
        uint s = h.CreateSyncobj();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, batch, (s, FenceSignal, 42))));
        Assert.Equal(0, h.TimelineWait([s], [42], 0, SyncobjWait.WaitAvailable, out _));
        Assert.Equal(-Errno.ETIME, h.TimelineWait([s], [42], 0, 0, out _));
        Assert.Equal(0ul, h.QueryPoint(s));
        Assert.Equal(42ul, h.QueryPoint(s, Driver.Drm.I915.Layout.SyncobjLayout.QueryLastSubmitted));
        h.CpuWrite(gate, 0, 1);
        Assert.Equal(0, h.TimelineWait([s], [42], SyncobjCalls.Deadline(Bound.Long), SyncobjWait.WaitForSubmit, out _));
        Assert.Equal(0, h.Wait(batch, 0));
        Assert.Equal(42ul, h.QueryPoint(s));
        Assert.Equal(0, h.Wait(spin, Bound.LongNs));
    }

    [Fact]
    public void AWaitOnAPointHoldsTheRequestUntilThatPointSignals()
    {
        // await_fence_array on the chain node of the point: a request waiting for point 1 of a timeline whose
        // point 1 is a request behind a spinner does not run before it; the points signal in order.
        using var h = DrmHarness.WithoutHeartbeat();
        (uint gate, _) = Spinner(h);
        uint s = h.CreateSyncobj();
        uint first = BatchWithEnd(h);
        uint second = BatchWithEnd(h);
        uint done = h.CreateSyncobj();
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, first, (s, FenceSignal, 1))));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, WithTimeline(h, second, (s, FenceWait, 1), (done, FenceSignal, 7))));
        DmaFenceChain one = Assert.IsType<DmaFenceChain>(h.Syncobj(s).Fence);
        DmaFenceChain seven = Assert.IsType<DmaFenceChain>(h.Syncobj(done).Fence);
        Assert.Equal(-Errno.ETIME, h.TimelineWait([done], [7], SyncobjCalls.Deadline(Bound.Short), 0, out _));
        Assert.False(one.IsSignaled);
        h.CpuWrite(gate, 0, 1);
        Assert.Equal(0, h.TimelineWait([done], [7], SyncobjCalls.Deadline(Bound.Long), 0, out _));
        Assert.True(one.IsSignaled);
        Assert.True(one.SignalTimestamp <= seven.SignalTimestamp);
    }

    [Fact]
    public void AWaitOnAPointInheritsTheErrorOfTheRequestAtThatPoint()
    {
        // i915_request_await_external looks through a dma_fence_chain (dma_fence_chain_for_each) and awaits each
        // i915 chain->fence as a request (i915_request_await_dma_fence): no I915_FENCE_TIMEOUT, and a failed
        // signaler's error reaches the waiter exactly as through a binary syncobj. The chain node itself signals
        // without an error (dma_fence_chain_irq_work), so awaiting the node as a foreign fence loses it.
        // Review finding: fails while IntelGt.CreateAndSubmit awaits a DmaFenceChain as a foreign fence.
        using var h = DrmHarness.Fast();
        var gate = new DmaFence(DmaFence.ContextAlloc(), 1);
        int gateFd = h.Caller.AddFence(gate);
        uint timeline = h.CreateSyncobj();
        uint binary = h.CreateSyncobj();
        ArgBuffer first = WithTimeline(h, BatchWithEnd(h), (timeline, FenceSignal, 1), (binary, FenceSignal, 0));
        first.SetU64(ExecbufLayout.Flags, UseExtensions | FenceIn);
        first.SetU64(Rsvd2, (uint)gateFd);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, first));
        DmaFence signaler = h.Syncobj(binary).Fence!;

        uint viaTimeline = h.CreateSyncobj();
        uint viaBinary = h.CreateSyncobj();
        ArgBuffer a = Execbuf(h, UseExtensions, h.CreateContext(), Object(BatchWithEnd(h)));
        a.SetU64(CliprectsPtr, Ext(h, [(timeline, FenceWait, 1), (viaTimeline, FenceSignal, 0)]));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        a = Execbuf(h, UseExtensions, h.CreateContext(), Object(BatchWithEnd(h)));
        a.SetU64(CliprectsPtr, Ext(h, [(binary, FenceWait, 0), (viaBinary, FenceSignal, 0)]));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        DmaFence timelineWaiter = h.Syncobj(viaTimeline).Fence!;
        DmaFence binaryWaiter = h.Syncobj(viaBinary).Fence!;

        gate.SetError(-Errno.EIO);
        gate.Signal();
        Assert.True(timelineWaiter.Wait(Bound.Long));
        Assert.True(binaryWaiter.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, signaler.Status);
        Assert.Equal(-Errno.EIO, binaryWaiter.Status);
        Assert.Equal(-Errno.EIO, timelineWaiter.Status);
    }

    /// <summary>
    /// Submits <paramref name="batch"/> with <paramref name="gate"/> softpinned at the gate address, signalling
    /// <paramref name="fences"/>; returns the request.
    /// </summary>
    private static DmaFence SubmitGated(DrmHarness h, uint gate, uint batch,
        params (uint Handle, uint Flags, ulong Point)[] fences)
    {
        ArgBuffer a = Execbuf(h, UseExtensions | FenceOut, h.CreateContext(), Object(gate, ObjPinned, GateAddress),
            Object(batch));
        a.SetU64(CliprectsPtr, Ext(h, fences));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        return h.Fence((int)(a.U64(Rsvd2) >> 32));
    }

    /// <summary>
    /// A batch ending at once, on a new context and on the blitter (so that no engine queue orders it behind a render
    /// batch), waiting for <paramref name="point"/> of <paramref name="timeline"/>.
    /// </summary>
    private static DmaFence SubmitWaiter(DrmHarness h, uint timeline, ulong point)
    {
        ArgBuffer a = Execbuf(h, RingBlt | UseExtensions | FenceOut, h.CreateContext(), Object(BatchWithEnd(h)));
        a.SetU64(CliprectsPtr, Ext(h, [(timeline, FenceWait, point)]));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        return h.Fence((int)(a.U64(Rsvd2) >> 32));
    }

    [Fact]
    public void AWaitOnAPointOverOurRunningRequestIsNotBoundedByTheForeignFenceTimeout()
    {
        // i915_request_await_external: dma_fence_chain_for_each hands the point's i915 fence to
        // i915_request_await_dma_fence, which awaits it as a request (i915_request_await_request): no
        // I915_FENCE_TIMEOUT, so the waiter does not run while the batch at the point still runs, however long.
        var bound = TimeSpan.FromMilliseconds(20);
        using var h = DrmHarness.WithForeignFenceTimeout(bound);
        uint gate = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        uint s = h.CreateSyncobj();
        DmaFence spinner = SubmitGated(h, gate, spin, (s, FenceSignal, 1));
        DmaFence waiter = SubmitWaiter(h, s, 1);

        Assert.False(waiter.Wait(Bound.Short), "the waiter ran before the request at its point completed");
        Assert.False(spinner.IsSignaled);
        h.CpuWrite(gate, 0, 1);
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(1, spinner.Status);
        Assert.Equal(1, waiter.Status);
    }

    [Fact]
    public void AWaitOnAPointOverAHangingRequestTakesItsEioNotTheForeignFenceTimeout()
    {
        // i915_request_await_external → i915_request_await_dma_fence on the point's request: waited for without
        // I915_FENCE_TIMEOUT until the heartbeat resets the hang; the request's fatal -EIO then reaches the waiter
        // (i915_sw_fence_set_error_once on its submit fence), which skips its payload, as through a binary syncobj.
        using var h = DrmHarness.WithForeignFenceTimeout(TimeSpan.FromMilliseconds(5), heartbeat: true);
        uint hang = h.Create();
        h.Write(hang, 0, Mi.BatchBufferStart(0));
        ulong relocs = h.Caller.Put(Reloc(hang, 4));
        uint s = h.CreateSyncobj();
        ArgBuffer a = Execbuf(h, UseExtensions, h.CreateContext(), Object(hang, relocationCount: 1, relocs: relocs));
        a.SetU64(CliprectsPtr, Ext(h, [(s, FenceSignal, 1)]));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, a));
        DmaFence hung = Assert.IsType<DmaFenceChain>(h.Syncobj(s).Fence).Fence;
        DmaFence waiter = SubmitWaiter(h, s, 1);

        Assert.True(waiter.Wait(Bound.Long));
        Assert.True(hung.IsSignaled, "the waiter ran before the request at its point completed");
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.Equal(-Errno.EIO, waiter.Status);
    }

    [Fact]
    public void AChainWithAForeignLinkIsStillBoundedByTheForeignFenceTimeout()
    {
        // i915_request_await_external: the walk awaits point 2's request as a request, then meets point 1, whose
        // fence is not i915's, and awaits the rest of the chain from there as an external fence
        // (__i915_request_await_external, with I915_FENCE_TIMEOUT): the foreign part times out (-ETIMEDOUT, not
        // fatal), our request still holds the waiter until it completes.
        using var h = DrmHarness.WithForeignFenceTimeout(TimeSpan.FromMilliseconds(20));
        uint gate = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        ArgBuffer a = Execbuf(h, FenceOut, h.CreateContext(), Object(gate, ObjPinned, GateAddress), Object(spin));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence spinner = h.Fence((int)(a.U64(Rsvd2) >> 32));
        var foreign = new DmaFence(DmaFence.ContextAlloc(), 1);
        uint s = h.CreateSyncobj();
        h.Syncobj(s).AddPoint(foreign, 1);
        h.Syncobj(s).AddPoint(spinner, 2);
        DmaFence waiter = SubmitWaiter(h, s, 2);

        Assert.False(waiter.Wait(Bound.Short), "the waiter ran before the request at its point completed");
        h.CpuWrite(gate, 0, 1);
        Assert.True(waiter.Wait(Bound.Long));
        Assert.False(foreign.IsSignaled);
        Assert.Equal(1, spinner.Status);
        Assert.Equal(-Errno.ETIMEDOUT, waiter.Status);
        foreign.Signal();
    }

    [Fact]
    public void ASubmitFenceOnAPointAwaitsOurRequestThereToCompletionWithoutTheForeignFenceTimeout()
    {
        // i915_request_await_execution: a fence that is no i915 request (here the sync_file of a timeline point) goes
        // to i915_request_await_external, whose chain walk awaits the point's request with
        // i915_request_await_dma_fence — to its completion, not its start, and without I915_FENCE_TIMEOUT.
        using var h = DrmHarness.WithForeignFenceTimeout(TimeSpan.FromMilliseconds(20));
        uint gate = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        uint s = h.CreateSyncobj();
        DmaFence spinner = SubmitGated(h, gate, spin, (s, FenceSignal, 1));
        int pointFd = h.Caller.AddFence(h.Syncobj(s).Fence!);
        ArgBuffer a = Execbuf(h, RingBlt | FenceSubmit | FenceOut, h.CreateContext(), Object(BatchWithEnd(h)));
        a.SetU64(Rsvd2, (uint)pointFd);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence waiter = h.Fence((int)(a.U64(Rsvd2) >> 32));

        Assert.False(waiter.Wait(Bound.Short), "the waiter ran before the request at the point completed");
        h.CpuWrite(gate, 0, 1);
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(1, spinner.Status);
        Assert.Equal(1, waiter.Status);
    }

    [Fact]
    public void ASignalledForeignLinkBehindThePointIsCollectedAndBringsNoTimeout()
    {
        // dma_fence_chain_walk drops the links whose fence signalled: i915_request_await_external's walk then meets only
        // point 2's request (ours, awaited without I915_FENCE_TIMEOUT) and ends, so the waiter neither times out on
        // the foreign point 1 nor waits for anything that will not signal.
        using var h = DrmHarness.WithForeignFenceTimeout(TimeSpan.FromMilliseconds(20));
        uint gate = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(GateAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        ArgBuffer a = Execbuf(h, FenceOut, h.CreateContext(), Object(gate, ObjPinned, GateAddress), Object(spin));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence spinner = h.Fence((int)(a.U64(Rsvd2) >> 32));
        var foreign = new DmaFence(DmaFence.ContextAlloc(), 1);
        uint s = h.CreateSyncobj();
        DmaFenceChain one = h.Syncobj(s).AddPoint(foreign, 1);
        DmaFenceChain two = h.Syncobj(s).AddPoint(spinner, 2);
        foreign.Signal();
        Assert.True(one.IsSignaled);
        DmaFence waiter = SubmitWaiter(h, s, 2);
        Assert.Null(two.Prev);

        Assert.False(waiter.Wait(Bound.Short), "the waiter ran before the request at its point completed");
        h.CpuWrite(gate, 0, 1);
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(1, waiter.Status);
    }

    [Fact]
    public void AChainOfOnlyAForeignFenceTimesOut()
    {
        // i915_request_await_external: a point whose fence is foreign is awaited, with the chain behind it, as one
        // external fence bounded by I915_FENCE_TIMEOUT.
        using var h = DrmHarness.WithForeignFenceTimeout(TimeSpan.FromMilliseconds(20));
        var foreign = new DmaFence(DmaFence.ContextAlloc(), 1);
        uint s = h.CreateSyncobj();
        h.Syncobj(s).AddPoint(foreign, 1);
        DmaFence waiter = SubmitWaiter(h, s, 1);

        Assert.True(waiter.Wait(Bound.Long), "the wait on the foreign point was not bounded");
        Assert.Equal(-Errno.ETIMEDOUT, waiter.Status);
        foreign.Signal();
    }

    [Fact]
    public void EveryExtensionNodeAddsItsFences()
    {
        // i915_user_extensions walks next_extension: each TIMELINE_FENCES node's entries are added
        // (test_syncobj_timeline_multiple_ext_nodes); later points on one syncobj continue its timeline.
        using var h = DrmHarness.Fast();
        uint batch = BatchWithEnd(h);
        uint a = h.CreateSyncobj();
        uint b = h.CreateSyncobj();
        ulong last = Ext(h, [(a, FenceSignal, 4)]);
        ulong middle = Ext(h, [(b, FenceSignal, 2)], next: last);
        ulong head = Ext(h, [(a, FenceSignal, 1)], next: middle);
        ArgBuffer arg = Execbuf(h, UseExtensions, 0, Object(batch));
        arg.SetU64(CliprectsPtr, head);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, arg));
        Assert.Equal(0, h.TimelineWait([a, b], [4, 2], SyncobjCalls.Deadline(Bound.Long), SyncobjWait.WaitAll, out _));
        Assert.Equal(0, h.Query([a, b], 0, out ulong[] points));
        Assert.Equal([4ul, 2ul], points);
        Assert.Equal(0, h.Wait(batch, 0));
    }
}
