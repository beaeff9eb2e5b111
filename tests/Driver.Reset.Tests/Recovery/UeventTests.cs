using Driver.Core.Hw;
using Driver.Reset.Events;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// The uevents a reset sends, as intel_gt_reset_global does: ERROR=1 and RESET=1 before a full reset, ERROR=0 after it
/// when the GT came back; an engine reset (__intel_engine_reset_bh) is counted but announces nothing.
/// </summary>
public class UeventTests
{
    private static string[] Uevents(GtReset reset) =>
        reset.Events.History.Where(e => e.Kind == GpuEventKind.Uevent).Select(e => e.Message).ToArray();

    [Fact]
    public void AnEngineResetSendsNoUevent()
    {
        using var rig = new ResetRig();
        rig.Spin(EngineId.Rcs0);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hang");

        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(0, rig.Reset.ResetCount);
        Assert.Empty(Uevents(rig.Reset));
    }

    [Fact]
    public void AFullResetSendsErrorAndResetBeforeAndErrorZeroAfter()
    {
        using var rig = new ResetRig();
        rig.Spin(EngineId.Rcs0);
        rig.Reset.ResetMethod = 1; // i915.reset=1: full resets only

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hang");

        Assert.Equal(1, rig.Reset.ResetCount);
        Assert.Equal([GtReset.ErrorUevent, GtReset.ResetUevent, GtReset.ResetDoneUevent], Uevents(rig.Reset));
        // Both "before" uevents precede the reset's own event, the "after" one follows the device's return.
        GpuEvent[] history = rig.Reset.Events.History.ToArray();
        int reset = Array.FindIndex(history, e => e.Kind == GpuEventKind.FullReset);
        int done = Array.FindIndex(history, e => e.Kind == GpuEventKind.Uevent && e.Message == GtReset.ResetDoneUevent);
        int start = Array.FindIndex(history, e => e.Kind == GpuEventKind.Uevent && e.Message == GtReset.ResetUevent);
        Assert.True(start < done && done <= reset + 1, string.Join(", ", history.Select(e => $"{e.Kind}:{e.Message}")));
    }

    [Fact]
    public void AFullResetThatWedgesSendsNoErrorZero()
    {
        using var rig = new ResetRig();
        rig.Spin(EngineId.Vcs0);
        rig.Reset.ResetMethod = 1;
        rig.Reset.Faults.FailFullResets(GtReset.FullResetRetries + 1);

        rig.Reset.HandleError(EngineId.Vcs0.Mask(), ErrorFlags.None, "test: hang, reset fails");

        Assert.True(rig.Reset.IsWedged);
        Assert.Equal([GtReset.ErrorUevent, GtReset.ResetUevent], Uevents(rig.Reset));
    }
}
