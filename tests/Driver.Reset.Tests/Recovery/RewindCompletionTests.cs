using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Reset.Recovery;
using Driver.Testing.Gt;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// The rewind (execlists_reset_rewind / __i915_request_reset) after a CPU completion: requests are judged by their own
/// completion (i915_request_completed), and a later request completed on the CPU (i915_request_mark_complete) must not
/// make an earlier, never-run one of its timeline look complete, which would signal it as successful unexecuted.
/// </summary>
public class RewindCompletionTests
{
    [Fact]
    public void AnEngineResetReplaysTheEarlierRequestItsLaterSiblingCompletedOnTheCpuSkipped()
    {
        using var rig = new ResetRig();
        // The spinner keeps the engine (no timeslice): the earlier request must still be queued at the reset.
        rig[EngineId.Rcs0].TimesliceDuration = TimeSpan.Zero;
        ResetRig.Spinner hung = rig.Spin(EngineId.Rcs0);
        GpuContext ctx = rig.Harness.Client.CreateContext();
        TestBuffer target = rig.Harness.NewBuffer();
        Request earlier = rig.Harness.Submit(new BatchBuilder().StoreDword(target.At(0), 0x1234).End(), context: ctx);
        Request later = rig.Harness.Submit(new BatchBuilder().StoreDword(target.At(1), 0x5678).End(), context: ctx);
        Engine.CompleteOnCpu(later);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hung spinner");

        Assert.True(hung.Request.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, hung.Request.Status);
        Assert.True(earlier.Wait(Bound.Long));
        Assert.Equal(1, earlier.Status);
        Assert.Equal(0x1234u, target[0]);
        Assert.Equal(1, later.Status);
        Assert.Equal(0u, target[1]);
        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Render));
    }
}
