using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// Signalling without recursion and i915's completion rule, on mock engines where nothing runs unless told: the wedge
/// unwinds a 100,000-link chain iteratively (signal_irq_work, not the signaller's stack), and a CPU completion marks
/// only its own request complete (i915_request_mark_complete), never the timeline's breadcrumb.
/// </summary>
public sealed class MockChainAndCompletionTests
{
    private const int Links = 100_000;

    [Theory]
    [InlineData(Driver.Engines.Gt.WedgeStrategy.Epoch)]
    [InlineData(Driver.Engines.Gt.WedgeStrategy.StopMachine)]
    public void AHundredThousandLinkChainWedgedFromADefaultStackEndsEveryFenceOnceWithEio(Driver.Engines.Gt.WedgeStrategy strategy)
    {
        using var rig = new MockResetRig(strategy);
        Request head = rig.Hang(EngineId.Rcs0);
        var chain = new Request[Links];
        DmaFence previous = head;
        EngineId[] engines = [EngineId.Bcs0, EngineId.Vcs0, EngineId.Vecs0, EngineId.Ccs0];
        for (int i = 0; i < Links; i++)
        {
            chain[i] = rig.Nop(engines[i % engines.Length], inFences: [previous]);
            previous = chain[i];
        }

        // Held on their dependencies: none reached an engine yet.
        Assert.All(engines, e => Assert.Equal(0, rig[e].Submitted));

        // A thread with the default stack size: the wedge cancels the head, whose signal releases the first link,
        // whose submission meets the nop handler, and so on — 100,000 times.
        TestThread.Start("wedger", () => rig.Reset.SetWedged("test: wedge a long chain")).Join();

        Assert.True(rig.Reset.IsWedged);
        for (int i = 0; i < Links; i++)
        {
            Assert.True(chain[i].IsSignaled, $"link {i} never signalled");
            Assert.Equal(-Errno.EIO, chain[i].Status);
        }

        rig.AssertEveryFenceSignalled();
    }

    [Fact]
    public void ACpuCompletedLaterRequestDoesNotCompleteAnEarlierOneThatNeverRan()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);
        GpuContext ctx = rig.Client.CreateContext();
        Request earlier = rig.Nop(EngineId.Rcs0, ctx);
        Request later = rig.Nop(EngineId.Rcs0, ctx);

        Engine.CompleteOnCpu(later);

        // i915_request_mark_complete: only `later` is complete; the timeline's breadcrumb still says nothing ran.
        Assert.True(later.IsSignaled);
        Assert.False(earlier.IsCompleted);
        Assert.Equal(0u, earlier.Timeline.Breadcrumb);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hang with a CPU-completed sibling");

        // The rewind judges each request by its own completion: the earlier one is replayed, runs, and signals
        // with its own status; the later one is not signalled twice.
        Assert.False(earlier.IsSignaled);
        rig[EngineId.Rcs0].Advance();
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.Equal(1, earlier.Status);
        Assert.Equal(earlier.Seqno, earlier.Timeline.Breadcrumb);
        rig.AssertEveryFenceSignalled();
    }
}
