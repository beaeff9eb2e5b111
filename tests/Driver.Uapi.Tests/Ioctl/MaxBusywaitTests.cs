using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>
/// The per-engine max_busywait_duration_ns knob (sysfs engine/NAME/max_busywait_duration_ns) and the request wait
/// path that reads it (i915_request_wait → __i915_spin_request uses rq->engine->props). Observed through the waiting
/// thread's <see cref="DmaFence.CurrentThreadWaitCounters"/>, never by timing.
/// </summary>
public class MaxBusywaitTests
{
    [Fact]
    public void EveryEngineStartsAtEightMicroseconds()
    {
        // CONFIG_DRM_I915_MAX_REQUEST_BUSYWAIT: 8000 ns.
        using var t = TestDevice.Fast();
        foreach (EngineId e in EngineIds.All)
        {
            Assert.Equal(8_000, t.Dev.GetMaxBusywaitDuration(e));
        }
    }

    [Fact]
    public void KnobIsPerEngine()
    {
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.SetMaxBusywaitDuration(EngineId.Rcs0, 0));
        Assert.Equal(0, t.Dev.SetMaxBusywaitDuration(EngineId.Bcs0, 123_456));
        Assert.Equal(0, t.Dev.GetMaxBusywaitDuration(EngineId.Rcs0));
        Assert.Equal(123_456, t.Dev.GetMaxBusywaitDuration(EngineId.Bcs0));
        Assert.Equal(8_000, t.Dev.GetMaxBusywaitDuration(EngineId.Vcs0));
    }

    [Fact]
    public void NegativeOverTwoJiffiesOrUnknownEngineIsEinval()
    {
        // max_spin_store: a duration over two jiffies is -EINVAL; nothing changes on a refused write.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.SetMaxBusywaitDuration(EngineId.Rcs0, -1));
        Assert.Equal(-Errno.EINVAL, t.Dev.SetMaxBusywaitDuration(EngineId.Rcs0, GpuDevice.MaxBusywaitLimitNs + 1));
        Assert.Equal(-Errno.EINVAL, t.Dev.SetMaxBusywaitDuration((EngineId)EngineIds.Count, 0));
        Assert.Equal(8_000, t.Dev.GetMaxBusywaitDuration(EngineId.Rcs0));
        Assert.Equal(0, t.Dev.SetMaxBusywaitDuration(EngineId.Rcs0, GpuDevice.MaxBusywaitLimitNs));
        Assert.Equal(GpuDevice.MaxBusywaitLimitNs, t.Dev.GetMaxBusywaitDuration(EngineId.Rcs0));
    }

    [Fact]
    public void GemWaitWithBusywaitZeroSleepsAtOnce()
    {
        // i915_request_wait: with max_busywait_duration_ns 0 there is no __i915_spin_request, the waiter sleeps.
        using var t = TestDevice.WithoutHeartbeat();
        Assert.Equal(0, t.Dev.SetMaxBusywaitDuration(EngineId.Rcs0, 0));
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        FenceWaitCounters counters = WaitOnThread(() => t.Dev.Wait(t.Client, spin.Handle, Bound.LongNs), spin);
        Assert.Equal(new FenceWaitCounters(Busywaits: 0, BusywaitHits: 0, Sleeps: 1), counters);
    }

    [Fact]
    public void GemWaitUsesItsRequestsEngineKnob()
    {
        // __i915_spin_request reads rq->engine->props: a knob of 0 on other engines does not stop this one's spin.
        using var t = TestDevice.WithoutHeartbeat();
        foreach (EngineId e in EngineIds.All)
        {
            Assert.Equal(0, t.Dev.SetMaxBusywaitDuration(e, e == EngineId.Bcs0 ? 1_000 : 0));
        }

        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = EngineId.Bcs0 });
        Assert.True(spin.WaitStarted(Bound.Long));
        FenceWaitCounters counters = WaitOnThread(() => t.Dev.Wait(t.Client, spin.Handle, Bound.LongNs), spin);
        // The spinner outlasts the busywait: it spins, then sleeps until the spinner ends.
        Assert.Equal(new FenceWaitCounters(Busywaits: 1, BusywaitHits: 0, Sleeps: 1), counters);
    }

    [Fact]
    public void SyncFileWaitUsesTheKnobToo()
    {
        // A sync_file poll on a request's out-fence waits on the request: same busywait, same knob.
        using var t = TestDevice.WithoutHeartbeat();
        Assert.Equal(0, t.Dev.SetMaxBusywaitDuration(EngineId.Rcs0, 0));
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        FenceWaitCounters counters = WaitOnThread(() => GpuDevice.WaitFence(spin.Fence, Bound.LongNs), spin);
        Assert.Equal(new FenceWaitCounters(Busywaits: 0, BusywaitHits: 0, Sleeps: 1), counters);
    }

    [Fact]
    public void WaitOnARequestNotYetSubmittedDoesNotSpin()
    {
        // __i915_spin_request spins only for a request on its way to the hardware: one held on an unsignalled
        // in-fence may be far from done, so its waiter sleeps at once whatever the knob.
        using var t = TestDevice.WithoutHeartbeat();
        var gate = new DmaFence();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { InFences = [gate] });
        FenceWaitCounters counters = default;
        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.True(spin.Fence.Wait(Bound.Long));
            counters = DmaFence.CurrentThreadWaitCounters;
        });
        Poll.Until(() => spin.Fence.Waiters == 1 && waiter.IsBlocked, "the waiter to block");
        gate.Signal();
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.End();
        waiter.Join();
        Assert.Equal(new FenceWaitCounters(Busywaits: 0, BusywaitHits: 0, Sleeps: 1), counters);
    }

    /// <summary>
    /// Runs <paramref name="wait"/> (which must return 0) on a fresh thread, ends <paramref name="spin"/> once the
    /// thread is asleep on the fence, and returns that thread's wait counters.
    /// </summary>
    private static FenceWaitCounters WaitOnThread(Func<int> wait, Spinner spin)
    {
        FenceWaitCounters counters = default;
        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.Equal(0, wait());
            counters = DmaFence.CurrentThreadWaitCounters;
        });
        Poll.Until(() => spin.Fence.Waiters == 1 && waiter.IsBlocked, "the waiter to block");
        spin.End();
        waiter.Join();
        return counters;
    }
}
