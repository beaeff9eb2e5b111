using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Reset.Hangcheck;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// A preempt-timeout report reaches the reset worker asynchronously; i915 checks "rq == execlists.preempt_target" in
/// the tasklet that resets (execlists_submission_tasklet → execlists_reset), so a target that yielded is never reset
/// for it. Here the report carries the engine's activation count from when the timer fired (Engine.Activations): a
/// target that yielded to the request it held up and runs again is a new activation, and is left alone.
/// </summary>
public sealed class StalePreemptTimeoutReportTests : IDisposable
{
    private readonly ResetRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void APreemptTimeoutReportWhoseTargetYieldedSinceDoesNotResetIt()
    {
        Engine rcs = _rig[EngineId.Rcs0];
        rcs.TimesliceDuration = TimeSpan.Zero;
        ResetRig.Spinner spin = _rig.Spin(EngineId.Rcs0, _rig.Harness.Client.CreateContext());
        Request target = spin.Request;
        Poll.Until(() => rcs.Active == target, "the spinner to run");
        // What the preempt timer's report carries when it fires now (Heartbeat.OnPreemptTimeout, engine thread).
        long firedAt = rcs.Activations;
        long preemptions = ((ExeclistsEngine)rcs).Preemptions;

        // The report the engine raised (PreemptTimer → PreemptTimeoutInterrupt → Heartbeat.OnPreemptTimeout) is still in
        // the worker's queue when the target reaches its next arbitration point, yields to the request it held up,
        // and runs again.
        GpuContext high = _rig.Harness.Client.CreateContext();
        high.Priority = 10;
        Request waiting = _rig.Harness.Submit(new BatchBuilder().End(), context: high);
        Assert.True(waiting.Wait(Bound.Long));
        Poll.Until(() => rcs.Active == target, "the spinner to run again after yielding");
        Assert.True(((ExeclistsEngine)rcs).Preemptions > preemptions);

        using (var worker = new ResetWorker(_rig.Reset))
        {
            worker.Queue(EngineId.Rcs0.Mask(), ErrorFlags.None, "preemption time out", target, activeOn: rcs,
                activation: firedAt);
            Poll.Until(() => worker.Pending == 0, "the worker to take the report");
        }

        Assert.False(target.IsSignaled, $"the target yielded, yet the stale report reset it: status {target.Status}");
        Assert.False(target.Guilty);
        spin.End();
        Assert.True(target.Wait(Bound.Long));
        Assert.Equal(1, target.Status);
    }
}
