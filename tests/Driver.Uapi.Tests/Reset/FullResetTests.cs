using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Reset.Events;
using Driver.Reset.Recovery;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Full device reset (intel_gt_reset): escalation when engine reset is off or fails, the hung engine's request
/// guilty, other engines' running requests innocent (-EAGAIN) and replayed, retries, the wedge-on-timeout watchdog,
/// and piggy-backing of concurrent callers.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class FullResetTests
{
    private static readonly uint s_rcs = EngineId.Rcs0.Mask();

    [Fact]
    public void HangEscalatesToFullResetWhenEngineResetIsDisabled()
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false });
        GpuDevice dev = t.Dev;
        int guilty = OpenClient(dev);
        int innocent = OpenClient(dev);
        int spinCtx = CreateContext(dev, innocent);
        int gateCtx = CreateContext(dev, innocent);
        int queueCtx = CreateContext(dev, innocent);
        var target = new TargetBuffer(dev, innocent);
        var stores = new StoreBatches(dev, innocent);

        // Running, not hung, on other engines: a preemptible spinner and a batch parked on a semaphore. The spinner
        // keeps bcs0 to itself (no timeslice), so the queued store really waits behind an innocent victim.
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Bcs0, TimeSpan.Zero));
        using Spinner spin = StartSpinner(dev, innocent, new SpinnerOptions { Context = spinCtx, Engine = EngineId.Bcs0 });
        var gate = new GatedStore(dev, innocent, gateCtx, EngineId.Ccs0, target.Slot(2), 0x3333);
        Poll.Until(() => gate.Started, "the gated batch to start");
        gate.ClearStarted();

        using Spinner hang = StartSpinner(dev, guilty, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        DmaFence behindHang = stores.Store(queueCtx, EngineId.Rcs0, target.Slot(0), 0x1111);
        DmaFence behindSpin = stores.Store(queueCtx, EngineId.Bcs0, target.Slot(1), 0x2222);

        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        AssertStatus(1, behindHang, "request queued behind the hang");
        WaitRecoveryIdle(dev);
        Assert.Equal(0x1111u, target[0]);
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Reset.FailedResets);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.FullReset));
        Assert.False(dev.IsWedged);

        // The innocent running requests were marked -EAGAIN and replayed from their first instruction.
        Assert.False(spin.Fence.IsSignaled);
        Assert.Equal(-Errno.EAGAIN, spin.Fence.Error);
        Poll.Until(() => gate.Started, "the gated batch to be replayed");
        Assert.False(gate.Fence.IsSignaled);
        Assert.Equal(-Errno.EAGAIN, gate.Fence.Error);
        gate.Open();
        AssertStatus(-Errno.EAGAIN, gate.Fence, "replayed gated batch");
        Assert.Equal(0x3333u, target[2]);
        spin.End();
        AssertStatus(-Errno.EAGAIN, spin.Fence, "replayed spinner");
        AssertStatus(1, behindSpin, "request queued behind the innocent spinner");
        Assert.Equal(0x2222u, target[1]);

        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, guilty, 0));
        Assert.Equal(new ResetStats(0, 0, 1), Stats(dev, innocent, spinCtx));
        Assert.Equal(new ResetStats(0, 0, 1), Stats(dev, innocent, gateCtx));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, innocent, queueCtx));
    }

    [Fact]
    public void FailedEngineResetEscalatesToFullReset()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int other = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        dev.Reset.Faults.FailEngineResets(1);
        // The heartbeat's "stopped heartbeat" goes through intel_gt_handle_error, which falls back to a full reset; the
        // preempt timeout's reset (execlists_reset) has no fallback, so it is off here.
        Assert.Equal(0, dev.SetPreemptTimeout(EngineId.Vcs0, TimeSpan.Zero));

        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Vcs0, NoPreemption = true });
        DmaFence behind = stores.Store(other, EngineId.Vcs0, target.Slot(0), 0x4242);

        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        AssertStatus(1, behind, "request queued behind the hang");
        WaitRecoveryIdle(dev);
        Assert.Equal(0x4242u, target[0]);
        // The failed attempt is counted, as i915 counts an engine reset before trying it.
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Video));
        Assert.Equal(0, OtherEngineResets(dev, EngineClass.Video));
        Assert.Equal(1, dev.Reset.FailedResets);
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.ResetFailed));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.FullReset));
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.EngineReset));
        Assert.False(dev.IsWedged);
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, c, 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(GtReset.FullResetRetries)]
    public void FullResetRetriesOvercomeUpToThreeFailures(int failures)
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int other = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        // The spinner must be the active request at the reset and the store queued behind it: no timeslice.
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Rcs0, TimeSpan.Zero));
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        DmaFence queued = stores.Store(other, EngineId.Rcs0, target.Slot(0), 0x99);
        dev.Reset.Faults.FailFullResets(failures);

        dev.ForceReset(s_rcs);

        Assert.False(dev.IsWedged);
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.FailedResets);
        Assert.Equal(0, dev.Reset.WedgeCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.FullReset));
        AssertStatus(-Errno.EIO, spin.Fence, "spinner on the reset engine");
        AssertStatus(1, queued, "queued store");
        AssertStatus(1, stores.Store(other, EngineId.Bcs0, target.Slot(1), 0x98), "store after the reset");
        Assert.Equal(0x99u, target[0]);
        Assert.Equal(0x98u, target[1]);
    }

    [Theory]
    [InlineData(GtReset.FullResetRetries + 1)]
    [InlineData(GtReset.FullResetRetries + 3)]
    public void FullResetFailingEveryRetryWedges(int failures)
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false });
        GpuDevice dev = t.Dev;
        List<(string, DmaFence)> fences = SubmitInFlightWork(dev, out TargetBuffer? target);
        dev.Reset.Faults.FailFullResets(failures);

        dev.ForceReset(s_rcs);

        Assert.True(dev.IsWedged);
        foreach ((string? what, DmaFence? f) in fences)
        {
            AssertStatus(-Errno.EIO, f, what);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0u, target[i]);
        }

        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.FailedResets);
        Assert.Equal(1, dev.Reset.WedgeCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.ResetFailed));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Wedged));
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.FullReset));
    }

    [Fact]
    public void HungFullResetIsWedgedByTheWatchdog()
    {
        using var t = TestDevice.Fast(reset: r => r with
        {
            EngineResetEnabled = false,
            WedgeTimeout = TimeSpan.FromMilliseconds(300),
        });
        GpuDevice dev = t.Dev;
        List<(string, DmaFence)> fences = SubmitInFlightWork(dev, out TargetBuffer? target);
        dev.Reset.Faults.HangFullResets(1);

        dev.ForceReset(s_rcs);

        Assert.True(dev.IsWedged);
        foreach ((string? what, DmaFence? f) in fences)
        {
            AssertStatus(-Errno.EIO, f, what);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0u, target[i]);
        }

        Assert.Equal(1, dev.Reset.WedgeCount);
        Assert.Equal(1, dev.Reset.FailedResets);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.FullReset));
    }

    [Fact]
    public void HangWedgesWhenNoResetIsAvailable()
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false, FullResetEnabled = false });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int other = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        using Spinner busy = StartSpinner(dev, c, new SpinnerOptions { Context = other, Engine = EngineId.Bcs0 });
        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        DmaFence behind = stores.Store(other, EngineId.Rcs0, target.Slot(0), 0x1);

        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        AssertStatus(-Errno.EIO, behind, "request queued behind the hang");
        AssertStatus(-Errno.EIO, busy.Fence, "spinner on another engine");
        WaitRecoveryIdle(dev);
        Assert.True(dev.IsWedged);
        Assert.Equal(0u, target[0]);
        Assert.Equal(1, dev.Reset.WedgeCount);
        Assert.Equal(1, dev.Reset.FailedResets);
        // i915 counts the attempt (reset_count++ precedes the "GPU reset disabled" check).
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(-Errno.EIO, stores.TrySubmit(other, EngineId.Bcs0, target.Slot(1), 0x2, out _));
    }

    [Fact]
    public void ASlowFullResetIsNotFollowedByASecondOneBlamingReplayedWork()
    {
        // The reset holds in its prepare step for as long as the heartbeat takes to report again: on a loaded machine
        // that may exceed Fast's 2 s wedge watchdog, which would take the held reset for a hung one.
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false, WedgeTimeout = 3 * Bound.Long });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int innocentCtx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        TimeSpan interval = dev.Config.Reset.HeartbeatInterval;
        // A slow reset: it waits (engines running) until the heartbeat has reported the still-spinning batch again,
        // then (engines parked, rcs0's requests rewound, nothing running there) until the heartbeat has had ten more
        // intervals to act, or reports once more. A heartbeat still counting the pulse it sent before the reset
        // reported then, with nothing running to blame; that report was handled as a new hang once this reset was
        // done, and the second full reset blamed the replayed innocent batch (-EIO).
        long reportsAtRestore = -1, reportsAfterRestore = -1;
        Func<bool> heartbeatHadItsChance = HeartbeatSweptAfter(dev, interval * 10);
        var slow = new HoldResetUntil(
            atPrepare: () => dev.Heartbeat.HangsReported >= 2,
            atRestore: () =>
            {
                // The first evaluation, on entering the hold, takes the baseline.
                if (reportsAtRestore < 0)
                {
                    reportsAtRestore = dev.Heartbeat.HangsReported;
                }

                reportsAfterRestore = dev.Heartbeat.HangsReported;
                return reportsAfterRestore > reportsAtRestore || heartbeatHadItsChance();
            });
        dev.Reset.AddObserver(slow);

        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        var queued = new GatedStore(dev, c, innocentCtx, EngineId.Rcs0, target.Slot(0), 0x600D);

        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        Assert.True(slow.PrepareConditionMet, "the heartbeat did not report the hang again while the reset waited");
        Poll.Until(() => queued.Started, "the queued batch to run after the reset");
        WaitRecoveryIdle(dev);
        Assert.True(slow.RestoreConditionMet, "the reset went on before the heartbeat had its chance to report");
        Assert.True(reportsAfterRestore == reportsAtRestore, "the heartbeat reported a hang with rcs0 parked and idle");
        Assert.False(queued.Fence.IsSignaled, "the replayed batch was reset");
        queued.Open();
        AssertStatus(1, queued.Fence, "batch queued behind the hang");
        Assert.Equal(0x600Du, target[0]);
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Error));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, innocentCtx));
    }

    [Fact]
    public void AHeartbeatArmedBeforeAResetFromElsewhereDoesNotBlameWhatRunsAfterIt()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int innocentCtx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        // The heartbeat arms rcs0's preempt timeout before the reset below, which must land inside it: no wall-clock
        // window will do on a loaded machine, so the timeout is longer than anything here waits, and rcs0's heartbeat
        // is stopped the moment it arms it (on the heartbeat thread, before its next look at rcs0), so the pulse never
        // escalates to a "stopped heartbeat" either. Once the reset has parked the engines and rewound rcs0, the
        // timeout is cut to 1 ms: the one armed before the reset has then expired, and the reset holds until the
        // heartbeat has swept twice with it (or reported).
        dev.Heartbeat.SetPreemptTimeout(Bound.Long);
        dev.Heartbeat.PreemptArmed += id =>
        {
            if (id == EngineId.Rcs0)
            {
                dev.Heartbeat.SetInterval(EngineId.Rcs0, TimeSpan.Zero);
            }
        };
        Func<bool>? heartbeatHadItsChance = null;
        var slow = new HoldResetUntil(
            atRestore: () =>
            {
                if (heartbeatHadItsChance is null)
                {
                    dev.Heartbeat.SetPreemptTimeout(TimeSpan.FromMilliseconds(1));
                    heartbeatHadItsChance = HeartbeatSweptAfter(dev, TimeSpan.Zero);
                }

                return dev.Heartbeat.HangsReported > 0 || heartbeatHadItsChance();
            });
        dev.Reset.AddObserver(slow);

        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        var queued = new GatedStore(dev, c, innocentCtx, EngineId.Rcs0, target.Slot(0), 0x5AFE);
        // The heartbeat asks rcs0 to preempt (its preempt timeout is armed, the spinner keeps running)...
        Poll.Until(() => dev.Gt[EngineId.Rcs0].PreemptTarget is not null, "the heartbeat to ask rcs0 to preempt");
        // ...and a reset from elsewhere deals with the hang before that timeout expires.
        dev.ForceFullReset("reset from elsewhere");

        AssertStatus(-Errno.EIO, hang.Fence, "spinner blamed by the full reset");
        Assert.True(slow.RestoreConditionMet, "the reset went on before the heartbeat had its chance to report");
        // The batch running after the reset: the expired timeout from before the reset must not blame it either (rcs0
        // sends no new pulse: its heartbeat is stopped).
        Poll.Until(() => queued.Started, "the queued batch to run after the reset");
        Poll.Until(HeartbeatSweptAfter(dev, TimeSpan.Zero), "two heartbeat sweeps while the queued batch runs");
        dev.Heartbeat.SetPreemptTimeout(Bound.Long);
        WaitRecoveryIdle(dev);
        Assert.True(dev.Heartbeat.HangsReported == 0, "the heartbeat reported a hang for a pulse sent before the reset");
        Assert.False(queued.Fence.IsSignaled, "the batch running after the reset was reset");
        queued.Open();
        AssertStatus(1, queued.Fence, "batch queued behind the hang");
        Assert.Equal(0x5AFEu, target[0]);
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, innocentCtx));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void ConcurrentFullResetRequestsPiggyBackOnOneReset(int callers)
    {
        // The reset holds in its prepare step until every caller is in (see the gate below): not to be taken for a hung
        // reset by Fast's 2 s wedge watchdog on a loaded machine.
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false, WedgeTimeout = 3 * Bound.Long });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        // The first caller's reset waits inside, with BACKOFF held, until every caller has entered HandleError (each
        // raises its Error event first): the others must then find BACKOFF set and wait for that reset.
        var gate = new HoldResetUntil(atPrepare: () => dev.Reset.Events.Count(GpuEventKind.Error) >= callers);
        dev.Reset.AddObserver(gate);

        // Releases the callers together; the gate above, not this barrier, is what guarantees they overlap.
        using var barrier = new Barrier(callers);
        // Written by each caller before it exits; read after Join, which orders the writes before the reads.
        bool[] returned = new bool[callers];
        TestThread[] threads = Enumerable.Range(0, callers).Select(i => TestThread.Start($"caller {i}", () =>
        {
            Assert.True(barrier.SignalAndWait(Bound.Long));
            dev.Reset.HandleError(s_rcs, ErrorFlags.None, $"caller {i}");
            returned[i] = true;
        })).ToArray();
        TestThread.JoinAll(threads);

        Assert.All(returned, Assert.True);
        Assert.True(gate.PrepareConditionMet, "the reset ran before every caller had entered HandleError");
        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.FullReset));
        Assert.Equal(callers, dev.Reset.Events.Count(GpuEventKind.Error));
        AssertStatus(-Errno.EIO, spin.Fence, "spinner on the reset engine");
    }

    /// <summary>
    /// Spinners on rcs0 and bcs0, a store queued behind each, and a store on another engine held on each spinner's
    /// fence.
    /// </summary>
    private static List<(string, DmaFence)> SubmitInFlightWork(GpuDevice dev, out TargetBuffer target)
    {
        int c = OpenClient(dev);
        int other = CreateContext(dev, c);
        target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        // Timeslicing off on both (timeslice_duration_ms = 0): the other context's stores stay queued behind the
        // spinners instead of getting a timeslice at their MI_ARB_CHECK.
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Rcs0, TimeSpan.Zero));
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Bcs0, TimeSpan.Zero));
        Spinner rcs = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0 });
        Spinner bcs = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Bcs0 });
        return
        [
            ("rcs0 spinner", rcs.Fence),
            ("bcs0 spinner", bcs.Fence),
            ("store behind rcs0", stores.Store(other, EngineId.Rcs0, target.Slot(0), 1)),
            ("store behind bcs0", stores.Store(other, EngineId.Bcs0, target.Slot(1), 2)),
            ("store awaiting rcs0", stores.Store(other, EngineId.Vcs0, target.Slot(2), 3, [rcs.Fence])),
            ("store awaiting bcs0", stores.Store(other, EngineId.Ccs0, target.Slot(3), 4, [bcs.Fence])),
        ];
    }
}
