using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// The engine's scheduler (intel_execlists_submission.c): ready requests by priority (execlists_dequeue over the
/// priolists), a higher priority preempting at the next arbitration point (need_preempt), equal priorities of other
/// timelines taking turns by timeslices (timeslice_expired, timeslice_duration_ms), a timeline's requests always in
/// order, a preempted batch resuming where it was, and the preempt timer armed against a batch that cannot yield
/// (set_preempt_timeout). A bare GT: no heartbeat, no reset policy, nothing resets a batch here.
/// </summary>
public sealed class SchedulingTests : IDisposable
{
    private readonly GtHarness _h = new();
    private Engine Rcs => _h.Gt[EngineId.Rcs0];

    public void Dispose() => _h.Dispose();

    /// <summary>A spinner: stores 1 to <paramref name="started"/>, then loops until its loop dword is overwritten.</summary>
    private (TestBuffer Batch, Request Rq) Spin(uint started, bool preemptible, GpuContext? context = null)
    {
        TestBuffer batch = _h.NewBuffer();
        uint loop = batch.Address + 12;
        batch.Write(new BatchBuilder()
            .StoreDword(started, 1)
            .Emit(preemptible ? Mi.ArbCheck : Mi.Noop)
            .Jump(loop));
        return (batch, _h.Submit(batch, context: context));
    }

    /// <summary>Ends a spinner built by <see cref="Spin"/>: BATCH_BUFFER_END over its loop.</summary>
    private static void End(TestBuffer spin) => spin[3] = Mi.BatchBufferEnd;

    private GpuContext Context(int priority)
    {
        GpuContext ctx = _h.Client.CreateContext();
        ctx.Priority = priority;
        return ctx;
    }

    private Request Store(TestBuffer target, int slot, uint value, GpuContext ctx) =>
        _h.Submit(new BatchBuilder().StoreDword(target.At(slot), value).End(), context: ctx);

    [Fact]
    public void ReadyRequestsRunByPriorityThenInSubmissionOrder()
    {
        // execlists_dequeue: the priolists are taken highest priority first, each in FIFO order. A non-preemptible
        // spinner holds rcs0 while the requests queue up, so they are all ready when it ends.
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: false);
        Poll.Until(() => flags[0] == 1, "the spinner to start");

        TestBuffer target = _h.NewBuffer();
        Request low = Store(target, 0, 1, Context(-10));
        Request normalFirst = Store(target, 1, 1, Context(0));
        Request high = Store(target, 2, 1, Context(10));
        Request normalSecond = Store(target, 3, 1, Context(0));
        Request highest = Store(target, 4, 1, Context(1023));
        Poll.Until(() => Rcs.PreemptTarget == spinner, "the engine to arm its preempt timer against the spinner");

        End(spin);
        Request[] all = [low, normalFirst, high, normalSecond, highest];
        Assert.All(all, rq => Assert.True(rq.Wait(Bound.Long)));
        Request[] byStart = all.OrderBy(rq => rq.StartedTimestamp).ToArray();
        Assert.Equal([highest, high, normalFirst, normalSecond, low], byStart);
        Assert.All(all, rq => Assert.Equal(1, rq.Status));
    }

    [Fact]
    public void AHigherPriorityPreemptsAtTheNextArbitrationPointAndTheBatchResumesWhereItWas()
    {
        // need_preempt: a queued request above the running one takes the engine at its next arbitration point, even
        // with timeslicing off; the preempted batch resumes at its RING_HEAD, not from the top.
        Rcs.TimesliceDuration = TimeSpan.Zero;
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: true, Context(0));
        Poll.Until(() => flags[0] == 1, "the spinner to start");
        flags[0] = 0;

        TestBuffer target = _h.NewBuffer();
        Request urgent = Store(target, 0, 0xfeed, Context(1));
        Assert.True(urgent.Wait(Bound.Long));

        Assert.Equal(1, urgent.Status);
        Assert.Equal(0xfeedu, target[0]);
        Assert.False(spinner.IsSignaled, "the spinner ended when it was preempted");
        Assert.True(((ExeclistsEngine)Rcs).Preemptions >= 1);
        Poll.Until(() => Rcs.Active == spinner, "the spinner to get rcs0 back");
        End(spin);
        Assert.True(spinner.Wait(Bound.Long));
        Assert.Equal(1, spinner.Status);
        // Resumed, not restarted: its first store did not run again.
        Assert.Equal(0u, flags[0]);
    }

    [Fact]
    public void EqualPrioritiesTakeTurnsWhileAPreemptibleSpinnerRuns()
    {
        // timeslice_expired: after timeslice_duration_ms (1 ms by default) the spinner yields at its MI_ARB_CHECK to
        // the other context's equal-priority work, which completes while the spinner still spins.
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: true);
        Poll.Until(() => flags[0] == 1, "the spinner to start");

        TestBuffer target = _h.NewBuffer();
        GpuContext other = Context(0);
        Request[] work = Enumerable.Range(0, 4).Select(i => Store(target, i, 0x100u + (uint)i, other)).ToArray();
        Assert.All(work, rq => Assert.True(rq.Wait(Bound.Long)));

        Assert.False(spinner.IsSignaled, "the spinner should still be running");
        Assert.All(work, rq => Assert.Equal(1, rq.Status));
        Assert.Equal([0x100u, 0x101u, 0x102u, 0x103u], Enumerable.Range(0, 4).Select(i => target[i]));
        End(spin);
        Assert.True(spinner.Wait(Bound.Long));
        Assert.Equal(1, spinner.Status);
    }

    [Fact]
    public void ATimelineStaysInOrderWhileItsSpinnerIsTimesliced()
    {
        // defer_request: when the spinner's timeslice expires, its timeline's newer request goes behind it, never
        // ahead: the other context's work gets the engine, the spinner's own successor waits for it to finish.
        TestBuffer flags = _h.NewBuffer();
        GpuContext mine = Context(0);
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: true, mine);
        Poll.Until(() => flags[0] == 1, "the spinner to start");
        TestBuffer target = _h.NewBuffer();
        Request successor = Store(target, 0, 0xa, mine);
        Request other = Store(target, 1, 0xb, Context(0));

        Assert.True(other.Wait(Bound.Long));
        // Let the spinner go round many more timeslices with its successor queued.
        Poll.Until(() => Rcs.Active == spinner, "the spinner back on rcs0");
        long mark = Rcs.SafePoints;
        Poll.Until(() => Rcs.SafePoints - mark > 2000, "the spinner to pass many arbitration points");
        Assert.False(successor.Started, "a request ran ahead of the earlier one of its timeline");
        Assert.Equal(0u, target[0]);

        End(spin);
        Assert.True(successor.Wait(Bound.Long));
        Assert.True(spinner.StartedTimestamp < successor.StartedTimestamp);
        Assert.Equal(0xau, target[0]);
    }

    [Fact]
    public void TimesliceZeroLetsTheSpinnerKeepTheEngine()
    {
        // timeslice_duration_ms = 0 disables timeslicing: an equal priority waits for the running batch to end,
        // however many arbitration points it passes.
        Rcs.TimesliceDuration = TimeSpan.Zero;
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: true);
        Poll.Until(() => flags[0] == 1, "the spinner to start");
        TestBuffer target = _h.NewBuffer();
        Request waiting = Store(target, 0, 1, Context(0));

        long mark = Rcs.SafePoints;
        Poll.Until(() => Rcs.SafePoints - mark > 2000, "the spinner to pass many arbitration points");
        Assert.False(waiting.Started, "the equal-priority request got a timeslice with timeslicing off");
        Assert.Null(Rcs.PreemptTarget);
        Assert.Equal(0L, ((ExeclistsEngine)Rcs).Preemptions);

        End(spin);
        Assert.True(waiting.Wait(Bound.Long));
        Assert.Equal(1, waiting.Status);
        Assert.Equal(1, spinner.Status);
    }

    [Fact]
    public void ANonPreemptibleBatchKeepsTheEngineAndArmsThePreemptTimer()
    {
        // set_preempt_timeout: the other context's work wants a timeslice, the batch has no arbitration point to
        // give it one, so the timer is armed against it (the heartbeat's preempt timeout resets it in a device; the
        // bare GT has no handler). The work waits for the batch to end.
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: false);
        Poll.Until(() => flags[0] == 1, "the spinner to start");
        TestBuffer target = _h.NewBuffer();
        Request waiting = Store(target, 0, 1, Context(0));

        Poll.Until(() => Rcs.PreemptTarget == spinner, "the preempt timer armed against the spinner");
        Assert.False(waiting.Started);
        End(spin);
        Assert.True(waiting.Wait(Bound.Long));
        Assert.Null(Rcs.PreemptTarget);
        Assert.Equal(0L, ((ExeclistsEngine)Rcs).Preemptions);
    }

    /// <summary>Records the requests a rewind judged.</summary>
    private sealed class RecordingReset : IRequestReset
    {
        public List<(Request Rq, bool Guilty)> Judged { get; } = [];

        public void ResetRequest(Request rq, bool guilty)
        {
            rq.SetErrorOnce(guilty ? -Errno.EIO : -Errno.EAGAIN);
            rq.Skip = guilty;
            Judged.Add((rq, guilty));
        }
    }

    [Fact]
    public void ARewindJudgesOnlyTheActiveRequestAndAPreemptedBatchResumesWhereItWas()
    {
        // execlists_reset_rewind / reset_active: only the active request is judged (guilty here, stalled); a batch
        // preempted earlier waits in the queue with its context image intact: replayed untouched, it resumes where
        // it was, with no error.
        Rcs.TimesliceDuration = TimeSpan.Zero;
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer lowSpin, Request low) = Spin(flags.At(0), preemptible: true, Context(0));
        Poll.Until(() => flags[0] == 1, "the low-priority spinner to start");
        (TestBuffer highSpin, Request high) = Spin(flags.At(1), preemptible: true, Context(5));
        Poll.Until(() => flags[1] == 1 && Rcs.Active == high, "the high-priority spinner to preempt it");
        flags[0] = 0;

        var reset = new RecordingReset();
        Assert.True(Rcs.ResetPrepare(Bound.Long));
        Rcs.ResetRewind(stalled: true, reset);
        Rcs.ResetFinish();

        (Request judged, bool guilty) = Assert.Single(reset.Judged);
        Assert.Same(high, judged);
        Assert.True(guilty);
        Assert.True(high.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, high.Status);
        Poll.Until(() => Rcs.Active == low, "the preempted spinner to run again");
        End(lowSpin);
        End(highSpin);
        Assert.True(low.Wait(Bound.Long));
        Assert.Equal(1, low.Status);
        Assert.Equal(0u, flags[0]);
    }

    [Fact]
    public void AWaitersPriorityIsInheritedByItsQueuedSignalerOfAnotherContext()
    {
        // __i915_schedule (i915_request_add -> __i915_request_queue -> i915_schedule): a request's priority is passed
        // to every signaler it waits on that has not yet run, whatever its timeline or engine, so low-priority work a
        // high-priority request depends on is not starved by medium-priority work (priority inversion). Here the
        // signaler of another context, queued at -100 behind a medium (0) spinner, is bumped to the waiter's 100:
        // it preempts the spinner, and the waiter completes while the spinner still spins.
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer spin, Request spinner) = Spin(flags.At(0), preemptible: true, Context(0));
        Poll.Until(() => flags[0] == 1, "the medium-priority spinner to start");

        TestBuffer target = _h.NewBuffer();
        Request signaler = Store(target, 0, 0x10, Context(-100));
        Request waiter = _h.Submit(new BatchBuilder().StoreDword(target.At(1), 0x20).End(), context: Context(100),
            inFences: [signaler]);

        bool done = waiter.Wait(Bound.Long);
        bool spinnerStillSpinning = !spinner.IsSignaled;
        End(spin);
        Assert.True(spinner.Wait(Bound.Long));
        Assert.True(done, $"the high-priority waiter starved behind its low-priority signaler (signaler priority {signaler.Priority}, started {signaler.Started})");
        Assert.True(spinnerStillSpinning);
        Assert.Equal(100, signaler.Priority);
        Assert.Equal(1, signaler.Status);
        Assert.Equal(1, waiter.Status);
        Assert.Equal([0x10u, 0x20u], new[] { target[0], target[1] });
    }
}
