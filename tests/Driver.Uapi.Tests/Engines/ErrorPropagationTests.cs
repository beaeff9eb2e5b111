using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Engines;

/// <summary>
/// How in-fence errors and foreign fences reach a request, as i915_sw_fence and i915_request_await_dma_fence do it.
/// </summary>
public class ErrorPropagationTests
{
    /// <summary>
    /// i915_sw_fence_set_error_once keeps the first error of the request's submit fence (cmpxchg from 0): a non-fatal
    /// error that arrives first is the one the request inherits, and the payload then runs.
    /// </summary>
    [Fact]
    public void TheFirstInFenceErrorIsTheOneInheritedEvenWhenALaterOneIsFatal()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var first = new DmaFence();
        var second = new DmaFence();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 9).End(), EngineId.Bcs0, 0, [first, second]);

        first.SetError(-Errno.EAGAIN);
        first.Signal();
        second.SetError(-Errno.EIO);
        second.Signal();

        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EAGAIN, f.Status);
        Assert.Equal(9u, target[0]);
    }

    /// <summary>
    /// i915_request_await_dma_fence arms I915_FENCE_TIMEOUT on a foreign fence (timer_i915_sw_fence_wake): past it the
    /// request stops waiting, takes -ETIMEDOUT — not fatal — and runs.
    /// </summary>
    [Fact]
    public void AForeignFenceNeverSignalledTimesOutTheWaitAndTheRequestRunsWithEtimedout()
    {
        var bound = TimeSpan.FromMilliseconds(100);
        var config = DeviceConfig.Fast();
        using var t = TestDevice.With(config with { Gt = config.Gt with { ForeignFenceTimeout = bound } });
        foreach (EngineId id in EngineIds.All)
        {
            t.Dev.Heartbeat.SetInterval(id, TimeSpan.Zero);
        }

        TestBuffer target = t.NewBuffer();
        var foreign = new DmaFence();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 5).End(), EngineId.Vcs0, 0, [foreign]);

        Assert.True(f.Wait(Bound.Long), "the wait on the foreign fence was not bounded");
        Assert.Equal(-Errno.ETIMEDOUT, f.Status);
        Assert.Equal(5u, target[0]);
        Assert.False(foreign.IsSignaled);
        // The foreign fence signalling late changes nothing for the request, and nothing breaks.
        foreign.Signal();
        Assert.Equal(-Errno.ETIMEDOUT, f.Status);
        t.AssertWorks(EngineId.Vcs0);
    }

    /// <summary>A request of the same GT is awaited without a bound: recovery, not a timer, ends a hung one.</summary>
    [Fact]
    public void AnInFenceOfTheSameGtIsWaitedForWithoutTheForeignBound()
    {
        var bound = TimeSpan.FromMilliseconds(50);
        var config = DeviceConfig.Fast();
        using var t = TestDevice.With(config with { Gt = config.Gt with { ForeignFenceTimeout = bound } });
        foreach (EngineId id in EngineIds.All)
        {
            t.Dev.Heartbeat.SetInterval(id, TimeSpan.Zero);
        }

        TestBuffer target = t.NewBuffer();
        TestBuffer gate = t.NewBuffer();
        // A batch that polls gate[0] until the CPU writes 1: a request of this GT that outlives the foreign bound.
        DmaFence blocker = t.Submit(new BatchBuilder().SemaphoreWait(gate.At(0), CompareOp.Equal, 1).End(), EngineId.Rcs0);
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 3).End(), EngineId.Bcs0, 0, [blocker]);

        Assert.False(f.Wait(bound * 4), "the request stopped waiting on a request of its own GT");
        gate[0] = 1;
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(3u, target[0]);
    }

    /// <summary>vgem_fence_timeout signals a forgotten vgem fence with no error; vgem_fence_signal_ioctl then says -ETIMEDOUT.</summary>
    [Fact]
    public void AVgemFenceThatTimesOutSignalsWithoutAnError()
    {
        var fence = new ExternalFence(TimeSpan.FromMilliseconds(20));
        Assert.True(fence.Wait(Bound.Long));
        Assert.Equal(1, fence.Status);
        Assert.True(fence.HasTimedOut);
        Assert.Equal(-Errno.ETIMEDOUT, fence.SignalExternal());
    }
}
