using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// A closed persistent context's work when one engine's heartbeat is switched off: only that engine's work is
/// cancelled (intel_engine_set_heartbeat sends a pulse; __execlists_schedule_in marks the intel_context exiting when
/// "intel_context_is_closed(ce) &amp;&amp; !intel_engine_has_heartbeat(engine)"), per engine.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ClosedContextHeartbeatTests
{
    [Fact]
    public void SwitchingOffOneEnginesHeartbeatCancelsAClosedPersistentContextsWorkOnThatEngineOnly()
    {
        // __execlists_schedule_in: the exiting mark is per intel_context (context and engine), so the closed
        // persistent context's spinner on vcs0, whose heartbeat still runs, is left to finish (status 1), while the
        // one on rcs0, which lost its heartbeat, is cancelled with -EIO.
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        using Spinner onRcs = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Rcs0 });
        using Spinner onVcs = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Vcs0 });

        Assert.Equal(0, dev.DestroyContext(c, ctx));
        Assert.False(onRcs.Fence.IsSignaled, "a persistent context's work was cancelled at close");
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.Zero));

        AssertStatus(-Errno.EIO, onRcs.Fence, "the closed context's spinner on rcs0 (no heartbeat)");
        WaitRecoveryIdle(dev);
        Assert.False(onVcs.Fence.IsSignaled, $"the spinner on vcs0 (heartbeat on) was cancelled too (status {onVcs.Fence.Status})");
        onVcs.End();
        AssertStatus(1, onVcs.Fence, "the closed context's spinner on vcs0, ended by the CPU");
    }
}
