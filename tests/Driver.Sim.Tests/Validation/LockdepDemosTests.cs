using Driver.Core.Locking;
using Driver.Sim.Validation;

namespace Driver.Sim.Tests.Validation;

/// <summary>The CLI demos produce the splats they describe.</summary>
public sealed class LockdepDemosTests
{
    /// <summary>Reservation fence wait: reports the cycle through dma_fence_map.</summary>
    [Fact]
    public void ReservationFenceWait_ReportsTheCycleThroughDmaFenceMap()
    {
        var v = new LockValidator();

        LockdepReport? report = new LockdepDemos().Run(LockdepDemos.ReservationFenceWait, v);

        Assert.NotNull(report);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal([LockValidator.FenceMapClassName, "reservation_ww_class_mutex"], report.Chain);
        Assert.Single(v.Reports);
    }

    /// <summary>
    /// Names: only the replay of invented classes that has no driver path to come from; the 2018 stop_machine splat is
    /// StopMachineSplatDemo's, from the driver's own paths (LockdepCommandTests). Unknown names are rejected.
    /// </summary>
    [Fact]
    public void Names_ListsTheReplay_AndUnknownNamesAreRejected()
    {
        var demos = new LockdepDemos();

        Assert.Equal(["reservation-fence-wait"], demos.Names);
        Assert.Throws<ArgumentException>(() => demos.Run("no-such-demo", new LockValidator()));
    }
}
