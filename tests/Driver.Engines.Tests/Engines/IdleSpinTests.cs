using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// An engine that runs out of work looks at its queue for <see cref="EngineOptions.IdleSpinNs"/> before it sleeps on
/// its doorbell (issue 17: the wake-ups of the submission path). A submission inside that window costs no wake-up; a
/// park is answered from inside it; with 0 the engine sleeps at once and a submission rings the doorbell. Counts, not
/// times: the spins are long (a minute) or zero, so nothing depends on the machine's speed.
/// </summary>
public sealed class IdleSpinTests
{
    /// <summary>Longer than any bound here: an engine inside it for the whole test never sleeps.</summary>
    private const long MinuteNs = 60_000_000_000;

    private static Request SubmitNop(GtHarness h, TestBuffer nop) => h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address);

    private static TestBuffer Nop(GtHarness h)
    {
        TestBuffer nop = h.NewBuffer();
        nop.Write(new BatchBuilder().End());
        return nop;
    }

    [Fact]
    public void SubmissionsInsideTheIdleSpin_RingNoDoorbell()
    {
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = MinuteNs });
        var engine = (ExeclistsEngine)h.Gt[EngineId.Rcs0];
        TestBuffer nop = Nop(h);
        for (int i = 0; i < 100; i++)
        {
            Request rq = SubmitNop(h, nop);
            Assert.True(rq.Wait(Bound.Long), $"request {i} did not signal");
            Assert.Equal(1, rq.Status);
            rq.Put();
        }

        // The engine went idle after every one of them and was never asleep when the next came.
        Assert.Equal(0L, engine.DoorbellRings);
    }

    [Fact]
    public void WithoutIdleSpin_ASubmissionToTheSleepingEngineRingsItsDoorbell()
    {
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0 });
        var engine = (ExeclistsEngine)h.Gt[EngineId.Rcs0];
        TestBuffer nop = Nop(h);
        long before = engine.DoorbellRings;
        for (int i = 0; i < 5; i++)
        {
            // Asleep on its doorbell (a dozing engine counts as parked) before each submission.
            Poll.Until(() => engine.IsParked, "rcs0 asleep on its doorbell", bound: Bound.Long);
            Request rq = SubmitNop(h, nop);
            Assert.True(rq.Wait(Bound.Long));
            Assert.Equal(1, rq.Status);
            rq.Put();
        }

        // Each submission found it asleep, bar the rare one landing just as a 100 ms doze timed out (the engine then
        // sees the queue itself before it sleeps again).
        Assert.InRange(engine.DoorbellRings - before, 3, 5);
    }

    [Fact]
    public void AParkIsAnsweredFromInsideTheIdleSpin_AndTheEngineRunsAfterwards()
    {
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = MinuteNs });
        Engine engine = h.Gt[EngineId.Rcs0];
        TestBuffer nop = Nop(h);
        Request first = SubmitNop(h, nop);
        Assert.True(first.Wait(Bound.Long));

        // The engine is spinning (a minute, longer than the bound): only the spin noticing the request parks it.
        Assert.True(engine.Park(Bound.Long), "the spinning engine did not park");
        engine.Unpark();

        Request second = SubmitNop(h, nop);
        Assert.True(second.Wait(Bound.Long));
        Assert.Equal(1, second.Status);
        first.Put();
        second.Put();
    }
}
