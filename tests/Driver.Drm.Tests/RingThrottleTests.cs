using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>
/// eb_throttle (IntelRing): a context's ring on an engine fills behind a spinning batch, the next execbuf waits for
/// space, wakes when the spinner's requests retire, and a signal ends the wait with -EINTR and nothing submitted.
/// </summary>
public class RingThrottleTests
{
    private const uint SemaphoreAddress = 0x1000_0000;

    /// <summary>A spinner (SEMAPHORE_WAIT on a dword of the returned target) and then requests until the ring is full.</summary>
    private static (uint Target, uint Batch, IntelRing Ring) FillRing(DrmHarness h)
    {
        uint target = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(SemaphoreAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(target, ObjPinned, SemaphoreAddress), Object(spin))));
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd);
        IntelRing ring = ((I915File)h.File.State!).Context(0).Ring(EngineId.Rcs0);
        // Each request takes IntelRing.RequestBytes of the 16 KiB ring: some 60 fit before less than a page is free.
        const int Bound = IntelRing.Size / IntelRing.RequestBytes;
        for (int i = 0; ring.Throttle() is null; i++)
        {
            Assert.True(i < Bound, $"the ring never filled: {ring.Space} bytes free after {i} requests");
            Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(batch))));
        }

        Assert.True(ring.Space < IntelRing.MinimumSpace, $"{ring.Space} bytes free");
        return (target, batch, ring);
    }

    private static TestThread BlockedExecbuf(DrmHarness h, uint batch, Action<int> done)
    {
        var t = TestThread.Start("execbuf", () => done(h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(batch)))));
        // eb_pin_timeline sleeps in the throttle's request wait.
        Poll.Until(() => (t.Thread.ThreadState & ThreadState.WaitSleepJoin) != 0, "the execbuf sleeps");
        return t;
    }

    [Fact]
    public void Execbuf_on_a_full_ring_waits_until_requests_retire()
    {
        using var h = DrmHarness.WithoutHeartbeat();
        (uint target, uint batch, IntelRing ring) = FillRing(h);
        int outstanding = ring.Outstanding;
        int ret = int.MinValue;
        TestThread t = BlockedExecbuf(h, batch, r => ret = r);
        Assert.Equal(int.MinValue, Volatile.Read(ref ret));
        Assert.Equal(outstanding, ring.Outstanding);
        h.CpuWrite(target, 0, 1); // the spinner ends: everything behind it completes and retires
        t.Join();
        Assert.Equal(0, ret);
        Assert.Equal(0, h.Wait(batch, Driver.Testing.Bound.LongNs));
        Assert.Equal(0, ring.Outstanding);
    }

    [Fact]
    public void A_signal_ends_the_ring_wait_with_EINTR_and_submits_nothing()
    {
        // eb_pin_timeline: i915_request_wait(I915_WAIT_INTERRUPTIBLE) < 0 answers -EINTR (even under SA_RESTART).
        using var h = DrmHarness.WithoutHeartbeat();
        (uint target, uint batch, IntelRing ring) = FillRing(h);
        int outstanding = ring.Outstanding;
        using var signal = new CancellationTokenSource();
        h.Caller.SignalPending = signal.Token;
        int ret = int.MinValue;
        TestThread t = BlockedExecbuf(h, batch, r => ret = r);
        signal.Cancel();
        t.Join();
        Assert.Equal(-Errno.EINTR, ret);
        Assert.Equal(outstanding, ring.Outstanding);
        // A signal already pending ends it before it sleeps.
        Assert.Equal(-Errno.EINTR, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(batch))));
        h.Caller.SignalPending = CancellationToken.None;
        h.CpuWrite(target, 0, 1);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(batch))));
        Assert.Equal(0, h.Wait(batch, Driver.Testing.Bound.LongNs));
    }

    [Fact]
    public void Without_the_option_execbuf_never_waits_for_ring_space()
    {
        using var h = DrmHarness.Fast(new I915DriverOptions { RingThrottle = false });
        uint target = h.Create();
        uint spin = h.Create();
        h.Write(spin, 0, [.. Mi.SemaphoreWait(SemaphoreAddress, CompareOp.Equal, 1), Mi.BatchBufferEnd]);
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(target, ObjPinned, SemaphoreAddress), Object(spin))));
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd);
        for (int i = 0; i < 2 * IntelRing.Size / IntelRing.RequestBytes; i++)
        {
            Assert.Equal(0, h.Ioctl(Requests.Execbuffer2, Execbuf(h, 0, 0, Object(batch))));
        }

        h.CpuWrite(target, 0, 1);
        Assert.Equal(0, h.Wait(batch, Driver.Testing.Bound.LongNs));
    }
}
