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
