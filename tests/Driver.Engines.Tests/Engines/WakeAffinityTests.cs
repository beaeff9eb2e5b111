using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Core.Sync;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// A submission that rings a sleeping engine's doorbell first narrows the engine thread's CPU mask to the submitter's
/// CPU, so the wake-up is queued there instead of on an idle (on a VM, halted) vCPU, the way i915's submission tasklet
/// runs on the CPU that raised it; the engine thread widens its mask back as soon as it runs. Asserted through the
/// kernel's own view of the masks (/proc/self/task/TID/status), and counts, never times.
/// </summary>
public sealed class WakeAffinityTests
{
    private static Request SubmitNop(GtHarness h, TestBuffer nop) => h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address);

    private static TestBuffer Nop(GtHarness h)
    {
        TestBuffer nop = h.NewBuffer();
        nop.Write(new BatchBuilder().End());
        return nop;
    }

    /// <summary>The CPUs a thread of this process may run on, as the kernel lists them.</summary>
    private static string AllowedCpus(int tid)
    {
        string path = tid == 0 ? "/proc/thread-self/status" : $"/proc/self/task/{tid}/status";
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            {
                return line["Cpus_allowed_list:".Length..].Trim();
            }
        }

        throw new InvalidOperationException($"no Cpus_allowed_list in {path}");
    }

    /// <summary>rcs0 of <paramref name="h"/>, once its thread has registered for steering.</summary>
    private static ExeclistsEngine SteeringRcs(GtHarness h)
    {
        var engine = (ExeclistsEngine)h.Gt[EngineId.Rcs0];
        Poll.Until(() => engine.WakeAffinityForTest.Enabled, "the engine thread registered for steering", bound: Bound.Long);
        return engine;
    }

    /// <summary>
    /// A spinner on rcs0: it sets <c>started[0]</c>, then loops back to dword 3 (a BATCH_BUFFER_END written there ends
    /// it).
    /// </summary>
    private static (Request Spin, TestBuffer Started, TestBuffer Batch) StartSpinner(GtHarness h)
    {
        TestBuffer started = h.NewBuffer();
        TestBuffer batch = h.NewBuffer();
        batch.Write(new BatchBuilder().StoreDword(started.At(0), 1).Emit(Mi.Noop).Jump(batch.Address + 12));
        return (h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, batch.Address), started, batch);
    }

    [LinuxFact]
    public void ASubmissionToTheSleepingEngineIsSteered_AndTheEngineRunsWithItsOwnMaskAgain()
    {
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0 });
        var engine = (ExeclistsEngine)h.Gt[EngineId.Rcs0];
        WakeAffinity steering = engine.WakeAffinityForTest;
        Poll.Until(() => steering.Enabled, "the engine thread registered for steering", bound: Bound.Long);
        string home = AllowedCpus(steering.ThreadIdForTest);
        Assert.Equal(AllowedCpus(0), home);
        TestBuffer nop = Nop(h);
        long before = engine.SteeredWakeups;
        for (int i = 0; i < 5; i++)
        {
            Poll.Until(() => engine.IsParked, "rcs0 asleep on its doorbell", bound: Bound.Long);
            Request rq = SubmitNop(h, nop);
            Assert.True(rq.Wait(Bound.Long), $"request {i} did not signal");
            Assert.Equal(1, rq.Status);
            rq.Put();
            // The engine widened its mask on waking, before it executed the batch the signal came from.
            Assert.Equal(home, AllowedCpus(steering.ThreadIdForTest));
        }

        // Every ring was steered; a submission landing just as a 100 ms doze timed out rings nothing (see
        // IdleSpinTests), nor does one landing while another engine's doze timed out steer, so 3 to 5 of the 5.
        long steered = engine.SteeredWakeups - before;
        Assert.InRange(steered, 3, 5);
        Assert.True(engine.SteeredWakeups <= engine.DoorbellRings);
    }

    [LinuxFact]
    public void WithAnotherEngineOfTheGtAwake_TheRingIsNotSteered()
    {
        // A busy GT: the machine's other CPUs are not halted, and stacking the engine on the submitter's CPU would
        // only queue it behind the submitter (WakeGroup). Another engine's thread is made to count as awake.
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0 });
        ExeclistsEngine engine = SteeringRcs(h);
        TestBuffer nop = Nop(h);
        engine.WakeGroupForTest.Woke();
        try
        {
            long rings = engine.DoorbellRings;
            for (int i = 0; i < 3; i++)
            {
                Poll.Until(() => engine.IsParked, "rcs0 asleep on its doorbell", bound: Bound.Long);
                Request rq = SubmitNop(h, nop);
                Assert.True(rq.Wait(Bound.Long));
                rq.Put();
            }

            Assert.True(engine.DoorbellRings > rings, "no submission found the engine asleep");
            Assert.Equal(0L, engine.SteeredWakeups);
        }
        finally
        {
            engine.WakeGroupForTest.Sleeps();
        }
    }

    [LinuxFact]
    public void ARingToAnEngineDozingInABatch_IsNotSteered()
    {
        // A spinner dozes on the engine between its polls (Backoff → Doze): a submission rings it, so the batch looks
        // at priorities and timeslices, but the ring does not end it and nothing waits on that wake-up, so it is not
        // steered (pulling the spinner's thread onto the submitter's CPU would only make the two contend).
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0 });
        ExeclistsEngine engine = SteeringRcs(h);
        (Request spin, TestBuffer started, TestBuffer batch) = StartSpinner(h);
        TestBuffer nop = Nop(h);
        var queued = new List<Request>();
        try
        {
            Poll.Until(() => started[0] == 1, "the spinner started", bound: Bound.Long);
            long steered = engine.SteeredWakeups;
            long rings = engine.DoorbellRings;
            // The spinner dozes 1 ms at a time between short spins: submit while it dozes until one submission rings.
            for (int i = 0; i < 100 && engine.DoorbellRings == rings; i++)
            {
                Poll.Until(() => engine.IsParked, "the spinner dozing", bound: Bound.Long);
                queued.Add(SubmitNop(h, nop));
            }

            Assert.True(engine.DoorbellRings > rings, "no submission found the spinner dozing");
            Assert.Equal(steered, engine.SteeredWakeups);
        }
        finally
        {
            batch[3] = Mi.BatchBufferEnd;
            Assert.True(spin.Wait(Bound.Long), "the spinner did not end");
            foreach (Request rq in queued)
            {
                Assert.True(rq.Wait(Bound.Long));
                Assert.Equal(1, rq.Status);
                rq.Put();
            }

            spin.Put();
        }
    }

    /// <summary>
    /// Starts a thread that waits on <paramref name="rq"/> and reports how many of its wake-ups were steered, and its
    /// CPU mask before the wait and once the wait returned.
    /// </summary>
    private static TestThread StartWaiter(Request rq, Action<bool, long, string, string> done) =>
        TestThread.Start("waiter", () =>
        {
            var mine = WakeAffinity.ForCurrentThread();
            long before = mine.Steers;
            string home = AllowedCpus(0);
            bool signalled = rq.Wait(Bound.Long);
            done(signalled, mine.Steers - before, home, AllowedCpus(0));
        });

    [LinuxFact]
    public void AWaiterAsleepOnTheLastRequestOfABurst_IsWokenOntoTheEnginesCpu_AndRunsWithItsOwnMaskAgain()
    {
        // The engine completes the only request it has, on a GT with no other engine awake: the waiter that slept
        // past its busywait is woken onto the engine's CPU (DmaFence.SteerWaiterWakeups) and widens its mask back
        // before Wait returns.
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0 });
        ExeclistsEngine engine = SteeringRcs(h);
        TestBuffer nop = Nop(h);
        long steered = 0;
        for (int i = 0; i < 5; i++)
        {
            var gate = new DmaFence();
            Request rq = h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address, RequestFlags.None, [gate]);
            (bool Signalled, long Steers, string Home, string After) seen = default;
            TestThread waiter = StartWaiter(rq, (ok, n, home, after) => seen = (ok, n, home, after));
            Poll.Until(() => rq.Waiters == 1 && waiter.IsBlocked, "the waiter asleep on the request", bound: Bound.Long);
            Poll.Until(() => engine.WakeGroupForTest.Awake == 0, "every engine of the GT asleep", bound: Bound.Long);
            Assert.True(gate.Signal());
            waiter.Join();
            Assert.True(seen.Signalled, $"request {i} did not signal");
            Assert.Equal(1, rq.Status);
            Assert.Equal(seen.Home, seen.After);
            steered += seen.Steers;
            rq.Put();
        }

        // One steer per wake-up at most; a doze of another engine timing out just then (100 ms) leaves one awake and
        // that signal unsteered, so 3 to 5 of the 5.
        Assert.InRange(steered, 3, 5);
    }

    [LinuxFact]
    public void AWaiterOnARequestWithMoreQueuedBehindIt_IsLeftToTheScheduler()
    {
        // The engine has more to run after the request: its waiter is not pulled onto the engine's busy CPU.
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0 });
        ExeclistsEngine engine = SteeringRcs(h);
        (Request spin, TestBuffer started, TestBuffer batch) = StartSpinner(h);
        TestBuffer nop = Nop(h);
        Request first = SubmitNop(h, nop);
        Request second = SubmitNop(h, nop);
        (bool Signalled, long Steers, string Home, string After) seen = default;
        TestThread waiter = StartWaiter(first, (ok, n, home, after) => seen = (ok, n, home, after));
        Poll.Until(() => started[0] == 1, "the spinner started", bound: Bound.Long);
        Poll.Until(() => first.Waiters == 1 && waiter.IsBlocked, "the waiter asleep on the first request", bound: Bound.Long);
        batch[3] = Mi.BatchBufferEnd;
        waiter.Join();
        Assert.True(seen.Signalled);
        Assert.True(second.Wait(Bound.Long));
        Assert.Equal(1, first.Status);
        Assert.Equal(1, second.Status);
        Assert.Equal(0L, seen.Steers);
        Assert.Equal(seen.Home, seen.After);
        foreach (Request rq in new[] { spin, first, second })
        {
            rq.Put();
        }
    }

    [LinuxFact]
    public void WithSteeringOff_NothingIsSteered()
    {
        using var h = new GtHarness(engine: new EngineOptions { IdleSpinNs = 0, WakeOnSubmitterCpu = false });
        var engine = (ExeclistsEngine)h.Gt[EngineId.Rcs0];
        TestBuffer nop = Nop(h);
        for (int i = 0; i < 3; i++)
        {
            Poll.Until(() => engine.IsParked, "rcs0 asleep on its doorbell", bound: Bound.Long);
            Request rq = SubmitNop(h, nop);
            Assert.True(rq.Wait(Bound.Long));
            rq.Put();
        }

        Assert.True(engine.DoorbellRings >= 1, "no submission found the engine asleep");
        Assert.Equal(0L, engine.SteeredWakeups);
        Assert.False(engine.WakeAffinityForTest.Enabled);

        // Nor is a waiter's wake-up.
        var gate = new DmaFence();
        Request last = h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address, RequestFlags.None, [gate]);
        (bool Signalled, long Steers) seen = default;
        TestThread waiter = StartWaiter(last, (ok, n, _, _) => seen = (ok, n));
        Poll.Until(() => last.Waiters == 1 && waiter.IsBlocked, "the waiter asleep on the request", bound: Bound.Long);
        Poll.Until(() => engine.WakeGroupForTest.Awake == 0, "every engine of the GT asleep", bound: Bound.Long);
        Assert.True(gate.Signal());
        waiter.Join();
        Assert.True(seen.Signalled);
        Assert.Equal(0L, seen.Steers);
        last.Put();
    }

    [LinuxFact]
    public void ASteerRacingTheSleepersOwnWakeUp_IsUndoneOnItsNextWayThroughItsSleep()
    {
        // The sleeper is awake (never slept) when the waker narrows its mask: it stays narrowed until it next passes
        // RestoreIfSteered, which the engine does on its way into every sleep as well as out of it.
        var steering = new WakeAffinity();
        using var registered = new ManualResetEventSlim();
        using var steered = new ManualResetEventSlim();
        using var checkedNarrow = new ManualResetEventSlim();
        string? homeSeen = null, afterRestore = null;
        var sleeper = new Thread(() =>
        {
            steering.Register();
            homeSeen = AllowedCpus(0);
            registered.Set();
            Assert.True(steered.Wait(Bound.Long));
            Assert.True(checkedNarrow.Wait(Bound.Long));
            steering.RestoreIfSteered();
            afterRestore = AllowedCpus(0);
        });
        sleeper.Start();
        Assert.True(registered.Wait(Bound.Long));
        Assert.True(steering.Enabled);
        int tid = steering.ThreadIdForTest;
        steering.SteerToCurrentCpu();
        steered.Set();
        string narrowed = AllowedCpus(tid);
        checkedNarrow.Set();
        Assert.True(sleeper.Join(Bound.Long));

        Assert.Equal(1L, steering.Steers);
        // One CPU: the waker's (it may have moved since, so only the shape is asserted).
        Assert.Matches("^[0-9]+$", narrowed);
        Assert.Equal(homeSeen, afterRestore);
        // A second restore with nothing steered changes nothing.
        steering.RestoreIfSteered();
        Assert.Equal(1L, steering.Steers);
    }
}
