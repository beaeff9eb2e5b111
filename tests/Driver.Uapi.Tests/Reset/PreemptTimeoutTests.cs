using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Reset.Events;
using Driver.Reset.Hangcheck;
using Driver.Reset.Recovery;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Hang detection on i915's ladder: the engine's preempt timer (set_preempt_timeout, armed when a request that should
/// replace the running batch cannot get in), the heartbeat's pulse priorities (heartbeat(): MIN → NORMAL → HEARTBEAT
/// → BARRIER), the 1 ms preempt timeout of a banned context (active_preempt_timeout,
/// INTEL_CONTEXT_BANNED_PREEMPT_TIMEOUT_MS), and the rule that only the preempt target is reset.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class PreemptTimeoutTests
{
    [Fact]
    public void ANonPreemptibleHogIsResetByThePreemptTimeoutAndTheOtherContextsWorkThenRuns()
    {
        // timeslice_expired → the other context's equal-priority work should get the engine; the hog has no
        // arbitration point, so the preempt timer runs out (execlists_submission_tasklet: "preemption time out") and
        // the engine is reset with the hog guilty. No heartbeat on rcs0: the timeslice alone arms the timer.
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.Zero));
        int hogClient = OpenClient(dev);
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);

        using Spinner hog = StartSpinner(dev, hogClient, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        DmaFence work = stores.Store(ctx, EngineId.Rcs0, target.Slot(0), 0x600d);

        AssertStatus(-Errno.EIO, hog.Fence, "non-preemptible hog");
        AssertStatus(1, work, "the other context's work");
        WaitRecoveryIdle(dev);
        Assert.Equal(0x600du, target[0]);
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Render));
        Assert.Contains(dev.Reset.Events.History, e => e.Kind == GpuEventKind.EngineReset && e.Message == "preemption time out");
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, hogClient, 0));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, ctx));
    }

    [Fact]
    public void TheHeartbeatPulseClimbsMinNormalHeartbeatBarrierThenStopsTheHeartbeat()
    {
        // heartbeat(): a fresh pulse at I915_PRIORITY_MIN, raised one step per interval while it is stuck, and with
        // the pulse at I915_PRIORITY_BARRIER one more period later the engine is reset for "stopped heartbeat". The
        // preempt timeout is off, so nothing but the ladder resets the hog.
        using var t = TestDevice.Fast(reset: r => r with { HeartbeatInterval = TimeSpan.FromMilliseconds(60), PreemptTimeout = TimeSpan.Zero });
        GpuDevice dev = t.Dev;
        var steps = new List<int>();
        object stepsLock = new();
        dev.Heartbeat.PulseStep += (engine, priority) =>
        {
            if (engine == EngineId.Rcs0)
            {
                lock (stepsLock)
                {
                    steps.Add(priority);
                }
            }
        };
        int c = OpenClient(dev);

        using Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });

        AssertStatus(-Errno.EIO, hog.Fence, "non-preemptible hog");
        WaitRecoveryIdle(dev);
        lock (stepsLock)
        {
            Assert.Equal([PulsePriority.Min, PulsePriority.Normal, PulsePriority.Heartbeat, PulsePriority.Barrier], steps.Take(4));
        }

        Assert.Equal(1025, PulsePriority.Heartbeat);
        Assert.Equal(int.MaxValue - 1, PulsePriority.Barrier);
        Assert.Contains(dev.Reset.Events.History, e => e.Kind == GpuEventKind.EngineReset && e.Message == "stopped heartbeat on rcs0");
    }

    [Fact]
    public void ANormalPulseAlreadyArmsThePreemptTimerAgainstANonPreemptibleHog()
    {
        // The pulse raised to NORMAL equals the hog's priority: it asks for a timeslice, the hog cannot give one, and
        // the engine arms its preempt timer then — not only once the pulse is above it (HEARTBEAT).
        using var t = TestDevice.Fast(reset: r => r with { HeartbeatInterval = TimeSpan.FromMilliseconds(60), PreemptTimeout = TimeSpan.FromMinutes(10) });
        GpuDevice dev = t.Dev;
        int armedAt = int.MinValue;
        int lastStep = int.MinValue;
        dev.Heartbeat.PulseStep += (engine, priority) =>
        {
            if (engine == EngineId.Rcs0)
            {
                Volatile.Write(ref lastStep, priority);
            }
        };
        dev.Heartbeat.PreemptArmed += engine =>
        {
            if (engine == EngineId.Rcs0)
            {
                Interlocked.CompareExchange(ref armedAt, Volatile.Read(ref lastStep), int.MinValue);
            }
        };
        int c = OpenClient(dev);

        using Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        Poll.Until(() => Volatile.Read(ref armedAt) != int.MinValue, "rcs0 to arm its preempt timer");

        Assert.Equal(PulsePriority.Normal, Volatile.Read(ref armedAt));
        Assert.Same(dev.Gt[EngineId.Rcs0].Active, dev.Gt[EngineId.Rcs0].PreemptTarget);
        hog.End();
        AssertStatus(1, hog.Fence, "the hog, ended by the CPU");
    }

    [Fact]
    public void AClosedNonPersistentContextIsKickedWithTheBannedPreemptTimeout()
    {
        // kill_engines sends a BARRIER pulse; the running batch of the banned context cannot let it in, and its
        // preempt timeout is INTEL_CONTEXT_BANNED_PREEMPT_TIMEOUT_MS (1 ms), not the engine's: with the engine's at
        // ten minutes and the heartbeat as slow, only the banned timeout can reset it within the wait.
        using var t = TestDevice.Fast(reset: r => r with { HeartbeatInterval = TimeSpan.FromMinutes(10), PreemptTimeout = TimeSpan.FromMinutes(10) });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        Assert.Equal(0, dev.SetContextParam(c, ctx, ContextParam.Persistence, 0));
        using Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Rcs0, NoPreemption = true });

        Assert.Equal(0, dev.DestroyContext(c, ctx));

        AssertStatus(-Errno.EIO, hog.Fence, "the closed context's hog");
        WaitRecoveryIdle(dev);
        Assert.Equal(TimeSpan.FromMilliseconds(1), Engine.BannedPreemptTimeout);
        Assert.Contains(dev.Reset.Events.History, e => e.Kind == GpuEventKind.EngineReset && e.Message == "preemption time out");
    }

    [Fact]
    public void APreemptTimeoutIsDroppedWhenItsTargetNoLongerRuns()
    {
        // execlists_submission_tasklet: "only allow ourselves to force reset the currently active context": a report
        // whose target is not the engine's active request is not acted on (no error, no reset).
        using var t = TestDevice.WithoutHeartbeat();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int low = CreateContext(dev, c);
        Assert.Equal(0, dev.SetContextParam(c, low, ContextParam.Priority, -1));
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        using Spinner running = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        // Below the spinner's priority: it neither preempts nor gets a timeslice, it waits.
        DmaFence waiting = stores.Store(low, EngineId.Rcs0, target.Slot(0), 1);
        var waitingRq = (Driver.Core.Requests.Request)waiting;
        Poll.Until(() => dev.Gt[EngineId.Rcs0].Submitted >= 2, "the low-priority store to reach rcs0");

        dev.Worker.Queue(EngineId.Rcs0.Mask(), ErrorFlags.Capture, "preemption time out", waitingRq, activeOn: dev.Gt[EngineId.Rcs0]);
        WaitRecoveryIdle(dev);

        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.Error));
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.False(running.Fence.IsSignaled);
        running.End();
        AssertStatus(1, running.Fence, "the spinner");
        AssertStatus(1, waiting, "the low-priority store");
    }

    [Fact]
    public void APreemptibleSpinnerYieldsToEveryPulseAndIsNeverReset()
    {
        // A NORMAL pulse gets a timeslice at the spinner's MI_ARB_CHECK and completes: the ladder never reaches a
        // reset. Starvation-tolerant timings, so a loaded machine does not turn a late engine thread into a hang.
        using var t = TestDevice.StarvationTolerant();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        long pulses = dev.Heartbeat.Pulses;

        Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 4, "four heartbeat pulses while the spinner runs");

        Assert.False(spin.Fence.IsSignaled);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.Error));
        spin.End();
        AssertStatus(1, spin.Fence, "the spinner");
    }

    /// <summary>
    /// A non-preemptible hog in a low-priority context with a default-priority store queued behind it on rcs0, which
    /// has no heartbeat: the preemption stays pending, with the engine's preempt timer armed against the hog.
    /// </summary>
    private static (Spinner Hog, DmaFence Work) PendingPreemption(GpuDevice dev)
    {
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.Zero));
        int c = OpenClient(dev);
        int low = CreateContext(dev, c);
        Assert.Equal(0, dev.SetContextParam(c, low, ContextParam.Priority, -1023));
        int high = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Context = low, Engine = EngineId.Rcs0, NoPreemption = true });
        DmaFence work = stores.Store(high, EngineId.Rcs0, target.Slot(0), 1);
        Poll.Until(() => dev.Gt[EngineId.Rcs0].PreemptTarget == hog.Fence, "rcs0 to arm its preempt timer against the hog");
        return (hog, work);
    }

    [Fact]
    public void APreemptTimeoutWrittenWhileAPreemptionIsPendingAppliesToIt()
    {
        // preempt_timeout_store: "if (READ_ONCE(engine->execlists.pending[0])) set_timer_ms(&engine->execlists.preempt,
        // timeout)": the new value re-arms the timer of the preemption already pending (IGT sysfs_preempt_timeout@off
        // sets 0, then 1 with a hog holding off a higher priority, and waits for the hog's reset).
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.SetPreemptTimeout(EngineId.Rcs0, TimeSpan.Zero));
        (Spinner hog, DmaFence work) = PendingPreemption(dev);
        using (hog)
        {
            long mark = dev.Gt[EngineId.Rcs0].SafePoints;
            Poll.Until(() => dev.Gt[EngineId.Rcs0].SafePoints - mark > 1000, "the hog to run on with the timeout off");
            Assert.False(hog.Fence.IsSignaled, "the hog was reset with preempt_timeout_ms 0");

            Assert.Equal(0, dev.SetPreemptTimeout(EngineId.Rcs0, TimeSpan.FromMilliseconds(1)));

            AssertStatus(-Errno.EIO, hog.Fence, "the hog, once preempt_timeout_ms is 1");
            AssertStatus(1, work, "the higher-priority store");
            WaitRecoveryIdle(dev);
            Assert.Contains(dev.Reset.Events.History, e => e.Kind == GpuEventKind.EngineReset && e.Message == "preemption time out");
        }
    }

    [Fact]
    public void APreemptTimeoutOfZeroWrittenWhileAPreemptionIsPendingCancelsItsTimer()
    {
        // preempt_timeout_store: set_timer_ms(preempt, 0) cancels the pending preemption's timer: 0 disables the
        // reset on preemption failure for the hog already holding off the queued work, not only for later ones.
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.SetPreemptTimeout(EngineId.Rcs0, TimeSpan.FromMilliseconds(1000)));
        (Spinner hog, DmaFence work) = PendingPreemption(dev);
        using (hog)
        {
            Assert.Equal(0, dev.SetPreemptTimeout(EngineId.Rcs0, TimeSpan.Zero));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            long mark = dev.Gt[EngineId.Rcs0].SafePoints;
            Poll.Until(() => clock.Elapsed > TimeSpan.FromMilliseconds(2500) && dev.Gt[EngineId.Rcs0].SafePoints - mark > 1000,
                "the hog to run on past the old timeout");
            WaitRecoveryIdle(dev);
            Assert.False(hog.Fence.IsSignaled, $"the hog was reset after preempt_timeout_ms was set to 0 (status {hog.Fence.Status})");
            Assert.Equal(0, dev.Reset.TotalEngineResets);
            hog.End();
            AssertStatus(1, hog.Fence, "the hog, ended by the CPU");
            AssertStatus(1, work, "the higher-priority store");
        }
    }
}
