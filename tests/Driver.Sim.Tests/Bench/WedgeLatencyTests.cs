using Driver.Engines.Gt;
using Driver.Sim.Bench;

namespace Driver.Sim.Tests.Bench;

/// <summary>
/// The wedge bench's per-run measures of the submitters across SetWedged (intel_gt_set_wedged): a run where no submit
/// call overlapped the wedge measured nothing, and must say so instead of reporting 0 µs (which made the
/// "epoch &lt;= stop-machine / 10" target met with nothing measured on either side).
/// </summary>
public sealed class WedgeLatencyTests
{
    [Fact]
    public void NoSubmitCallOverlappingTheWedgeMeasuresNothingRatherThanZero()
    {
        // One thread whose two calls both completed before the wedge began (at 1000), the others made no call.
        long[][] begun = [[10, 20], [], [], []];
        long[][] done = [[15, 25], [], [], []];
        double[][] held = [[5, 5], [], [], []];
        int[] count = [2, 0, 0, 0];

        (double stallMax, double stallP99) = WedgeLatency.Stalls(done, count, 1000, 2000);
        (double heldMax, double heldP99) = WedgeLatency.Held(begun, done, held, count, 1000, 2000);

        Assert.True(double.IsNaN(stallMax) && double.IsNaN(stallP99), $"stall {stallMax}/{stallP99} µs with no gap overlapping the wedge");
        Assert.True(double.IsNaN(heldMax) && double.IsNaN(heldP99), $"held {heldMax}/{heldP99} µs with no call overlapping the wedge");
    }

    [Fact]
    public void ACallOverlappingTheWedgeIsMeasured()
    {
        long[][] begun = [[900, 1500], [], [], []];
        long[][] done = [[950, 2500], [], [], []];
        double[][] held = [[1, 7], [], [], []];
        int[] count = [2, 0, 0, 0];

        (double heldMax, _) = WedgeLatency.Held(begun, done, held, count, 1000, 2000);

        Assert.Equal(7, heldMax);
    }

    [Fact]
    public void AHeldFigureWithARunThatMeasuredNothingIsNotMetAndSaysSo()
    {
        var nothing = new Dictionary<WedgeStrategy, List<double>> { [WedgeStrategy.Epoch] = [], [WedgeStrategy.StopMachine] = [] };
        var allMissing = new Dictionary<WedgeStrategy, int> { [WedgeStrategy.Epoch] = 3, [WedgeStrategy.StopMachine] = 3 };

        BenchFigure f = WedgeLatency.HeldFigure("wedge-held-max", "t", nothing, allMissing, 3, "");

        Assert.False(f.Met);
        Assert.Contains("measured nothing in 3 of 3 epoch", f.Note);
        Assert.Equal(0, f.Value.Runs);

        var measured = new Dictionary<WedgeStrategy, List<double>> { [WedgeStrategy.Epoch] = [1, 2, 1], [WedgeStrategy.StopMachine] = [100, 90, 120] };
        var oneMissing = new Dictionary<WedgeStrategy, int> { [WedgeStrategy.Epoch] = 0, [WedgeStrategy.StopMachine] = 1 };
        Assert.False(WedgeLatency.HeldFigure("wedge-held-max", "t", measured, oneMissing, 4, "").Met);
        var noneMissing = new Dictionary<WedgeStrategy, int> { [WedgeStrategy.Epoch] = 0, [WedgeStrategy.StopMachine] = 0 };
        Assert.True(WedgeLatency.HeldFigure("wedge-held-max", "t", measured, noneMissing, 3, "").Met);
    }
}
