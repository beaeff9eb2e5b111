using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// A fence callback that throws while the engine signals (a driver bug: a dma_fence_func_t cannot fail in the kernel)
/// must not take the engine thread, or the requests signalled after it, down with it: the engine reports it through
/// <see cref="Engine.CallbackFault"/> and goes on.
/// </summary>
public sealed class CallbackFaultTests
{
    private sealed class Throw : FenceCallback
    {
        public override void Invoke(DmaFence fence) => throw new InvalidOperationException("callback bug");
    }

    [Fact]
    public void ACallbackThatThrowsOnTheEngineThread_IsReported_AndTheEngineGoesOn()
    {
        using var h = new GtHarness();
        var engine = (ExeclistsEngine)h.Gt[EngineId.Rcs0];
        Exception? reported = null;
        int reports = 0;
        engine.CallbackFault = (e, ex) =>
        {
            Assert.Same(engine, e);
            reported = ex;
            Interlocked.Increment(ref reports);
        };
        TestBuffer nop = h.NewBuffer();
        nop.Write(new BatchBuilder().End());

        // Held on a gate so the throwing callback is in place before the engine can signal the request; a second
        // request queued behind it on the same timeline is signalled by the same interrupt or the next.
        var gate = new DmaFence();
        Request first = h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address, RequestFlags.None, [gate]);
        Assert.True(first.AddCallback(new Throw()));
        Request second = h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address);
        Assert.True(gate.Signal());

        Assert.True(first.Wait(Bound.Long), "the request whose callback threw did not signal");
        Assert.True(second.Wait(Bound.Long), "the request after it did not signal");
        Assert.Equal(1, first.Status);
        Assert.Equal(1, second.Status);
        Assert.Equal(1L, engine.CallbackFaults);
        Assert.Equal(1, reports);
        Assert.Equal("callback bug", Assert.IsType<InvalidOperationException>(reported).Message);

        // The engine thread is alive and still executing.
        Request third = h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address);
        Assert.True(third.Wait(Bound.Long));
        Assert.Equal(1, third.Status);
        foreach (Request rq in new[] { first, second, third })
        {
            rq.Put();
        }
    }
}
