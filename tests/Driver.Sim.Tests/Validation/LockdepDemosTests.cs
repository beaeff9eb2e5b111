using Driver.Core.Locking;
using Driver.Sim.Validation;

namespace Driver.Sim.Tests.Validation;

/// <summary>The CLI demos produce the splats they describe.</summary>
public sealed class LockdepDemosTests
{
    /// <summary>Stop machine splat: reports the 2018 chain.</summary>
    [Fact]
    public void StopMachineSplat_ReportsThe2018Chain()
    {
        var v = new LockValidator();

        LockdepReport? report = new LockdepDemos().Run(LockdepDemos.StopMachineSplat, v);

        Assert.NotNull(report);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(["struct_mutex", "cpu_hotplug_lock", "pmus_lock", "cpuctx_mutex", "mmap_sem"], report.Chain);
        Assert.Contains("i915_reset/", report.Text, StringComparison.Ordinal);
        Assert.Contains("Chain exists of:\n  cpu_hotplug_lock --> mmap_sem --> struct_mutex\n", report.Text, StringComparison.Ordinal);
        Assert.Single(v.Reports);
    }

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

    /// <summary>Names: lists both demos: and unknown names are rejected.</summary>
    [Fact]
    public void Names_ListsBothDemos_AndUnknownNamesAreRejected()
    {
        var demos = new LockdepDemos();

        Assert.Equal(["stop-machine-splat", "reservation-fence-wait"], demos.Names);
        Assert.Throws<ArgumentException>(() => demos.Run("no-such-demo", new LockValidator()));
    }
}
