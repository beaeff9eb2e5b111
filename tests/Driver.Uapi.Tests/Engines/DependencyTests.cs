using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Engines;

/// <summary>In-fences: a request does not execute before they signal, and inherits only fatal errors.</summary>
public class DependencyTests
{
    [Fact]
    public void RequestWaitsForAnInFenceFromAnotherEngine()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer buf = t.NewBuffer();
        TestBuffer producerBatch = t.NewBuffer();
        producerBatch.Write(new BatchBuilder().SemaphoreWait(buf.At(0), CompareOp.Equal, 1).StoreDword(buf.At(1), 1).End());
        DmaFence producer = t.Submit(producerBatch, EngineId.Bcs0, 0, null, buf);
        DmaFence consumer = t.Submit(new BatchBuilder().StoreDword(buf.At(2), 2).End(), EngineId.Rcs0, 0, [producer]);
        var order = new SignalRecorder();
        order.Watch(producer);
        order.Watch(consumer);

        Poll.Until(() => t.Engine(EngineId.Bcs0).Head == producerBatch.Address, "producer never reached its semaphore");
        // The producer is provably running and blocked, and the consumer has not been handed to its (idle) engine.
        Assert.Equal(0u, buf[2]);
        Assert.False(((Request)consumer).IsSubmitted);
        Assert.False(consumer.IsSignaled);

        buf[0] = 1;
        Assert.True(consumer.Wait(Bound.Long));
        Assert.Equal(1, producer.Status);
        Assert.Equal(1, consumer.Status);
        Assert.Equal(1u, buf[1]);
        Assert.Equal(2u, buf[2]);
        Assert.True(producer.SignalTimestamp <= consumer.SignalTimestamp);
        Assert.Equal(2, order.Await(2).Count);
    }

    [Fact]
    public void RequestWaitsForAnExternalFence()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var external = new DmaFence();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 7).End(), EngineId.Vcs0, 0, [external]);
        // Other contexts' work on the engine runs meanwhile: the held request is not blocking it.
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int other));
        t.AssertWorks(EngineId.Vcs0, other);
        Assert.False(f.IsSignaled);
        Assert.False(((Request)f).IsSubmitted);
        Assert.Equal(0u, target[0]);
        external.Signal();
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(7u, target[0]);
    }

    /// <summary>
    /// dma_i915_sw_fence_wake → i915_sw_fence_set_error_once, then submit_notify → i915_request_set_error_once: any
    /// in-fence error is inherited, non-fatal ones (-EAGAIN, -ETIMEDOUT) too; __i915_request_submit skips the payload
    /// only for a fatal one.
    /// </summary>
    [Theory]
    [InlineData(-Errno.EIO, true)]
    [InlineData(-Errno.ECANCELED, true)]
    [InlineData(-Errno.ENOENT, true)]
    [InlineData(-Errno.EAGAIN, false)]
    [InlineData(-Errno.ETIMEDOUT, false)]
    public void AnyInFenceErrorIsInheritedOnlyAFatalOneSkipsThePayload(int error, bool fatal)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var external = new DmaFence();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 7).End(), EngineId.Rcs0, 0, [external]);
        external.SetError(error);
        external.Signal();
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(error, f.Status);
        Assert.Equal(fatal ? 0u : 7u, target[0]);
        t.AssertWorks();
    }

    [Fact]
    public void InFenceThatFailedBeforeExecbufIsInherited()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var failed = new DmaFence();
        failed.SetError(-Errno.EIO);
        failed.Signal();
        var ok = new DmaFence();
        ok.Signal();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 7).End(), EngineId.Rcs0, 0, [ok, failed]);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        Assert.Equal(0u, target[0]);
    }

    [Fact]
    public void OneFailedAmongSeveralInFencesIsEnough()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var a = new DmaFence();
        var b = new DmaFence();
        var c = new DmaFence();
        DmaFence f = t.Submit(new BatchBuilder().StoreDword(target.At(0), 7).End(), EngineId.Rcs0, 0, [a, new MergedFence([b]), c]);
        a.Signal();
        b.SetError(-Errno.EIO);
        b.Signal();
        Assert.False(f.IsSignaled);
        c.SetError(-Errno.EAGAIN);
        c.Signal();
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
        Assert.Equal(0u, target[0]);
    }

    [Fact]
    public void HangOnAnotherEnginePropagatesDownTheChain()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        DmaFence hung = t.Submit(new BatchBuilder().Emit(0xDEAD_BEEF), EngineId.Vcs0);
        DmaFence second = t.Submit(new BatchBuilder().StoreDword(target.At(0), 1).End(), EngineId.Rcs0, 0, [hung]);
        DmaFence third = t.Submit(new BatchBuilder().StoreDword(target.At(1), 2).End(), EngineId.Bcs0, 0, [second]);
        Assert.True(third.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.Equal(-Errno.EIO, second.Status);
        Assert.Equal(-Errno.EIO, third.Status);
        Assert.Equal(0u, target[0]);
        Assert.Equal(0u, target[1]);
        // Skipped requests are not hangs: only the faulting engine was reset.
        Assert.Equal(1, t.Dev.Reset.TotalEngineResets);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.Video));
    }
}
