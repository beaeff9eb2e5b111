using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// i915_request_mark_complete: completing a request on the CPU (cancel, nop submit, a pulse taken by preemption)
/// marks that request complete and nothing else. The timeline's breadcrumb is the engine's alone, written in seqno
/// order, so a later request completed on the CPU never makes an earlier one that has not run look complete.
/// </summary>
public sealed class CpuCompletionTests : IDisposable
{
    private readonly GtHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void ALaterRequestCompletedOnTheCpuLeavesTheEarlierOneToRunAndSignalWithItsOwnStatus()
    {
        // A spinner of another context holds rcs0, so both requests of ctx wait in the engine's queue (timeslicing
        // off, timeslice_duration_ms = 0: equal priorities do not take turns).
        _h.Gt[EngineId.Rcs0].TimesliceDuration = TimeSpan.Zero;
        TestBuffer spin = _h.NewBuffer();
        spin.Write(new BatchBuilder().ArbCheck().Jump(spin.Address));
        Request spinner = _h.Submit(spin);
        Poll.Until(() => _h.Gt[EngineId.Rcs0].Active == spinner, "the spinner running on rcs0");

        GpuContext ctx = _h.Client.CreateContext();
        TestBuffer target = _h.NewBuffer();
        Request earlier = _h.Submit(new BatchBuilder().StoreDword(target.At(0), 0xaaaa).End(), context: ctx);
        Request later = _h.Submit(new BatchBuilder().StoreDword(target.At(1), 0xbbbb).End(), context: ctx);
        uint breadcrumbBefore = earlier.Timeline.Breadcrumb;

        Engine.CompleteOnCpu(later);

        Assert.Equal(1, later.Status);
        Assert.True(later.IsCompleted);
        // The shared breadcrumb did not move: the earlier request is not complete, and has not signalled.
        Assert.Equal(breadcrumbBefore, earlier.Timeline.Breadcrumb);
        Assert.False(earlier.IsCompleted);
        Assert.Equal(0, earlier.Status);

        spin[0] = Mi.BatchBufferEnd;

        Assert.True(earlier.Wait(Bound.Long));
        Assert.Equal(1, earlier.Status);
        Assert.Equal(0xaaaau, target[0]);
        // The CPU-completed request is dropped by the engine when it reaches it: its payload never runs.
        Poll.Until(() => !_h.Gt[EngineId.Rcs0].IsBusy, "rcs0 idle after the earlier request and the dropped later one");
        Assert.Equal(0u, target[1]);
        Assert.Equal(earlier.Seqno, earlier.Timeline.Breadcrumb);
    }
}
