using CsCheck;

namespace Driver.Fuzz.Tests;

/// <summary>
/// The fuzz runner itself: a failing property is reported with a CsCheck seed that replays its case, shrunk
/// towards the smallest failing case; the same seed gives the same case sequence.
/// </summary>
public class FuzzRunnerTests
{
    [Fact]
    public void AFailureIsShrunkAndItsSeedReplaysIt()
    {
        Gen<int[]> gen = Gen.Int[0, 1000].Array[1, 20];
        static void Property(int[] xs)
        {
            if (xs.Any(x => x >= 500))
            {
                throw new FuzzViolationException([$"{xs.Length} values, one >= 500"]);
            }
        }

        FuzzReport report = FuzzRunner.Run("self", gen, Property, xs => string.Join(",", xs), new FuzzBudget { Seed = 3, MaxCases = 1000, ShrinkSeconds = 1 });

        Assert.False(report.Passed);
        Assert.NotNull(report.FailingSeed);
        Assert.Contains("one >= 500", report.Failure);
        FuzzReport replay = FuzzRunner.Run("self", gen, Property, xs => string.Join(",", xs), new FuzzBudget { Replay = report.FailingSeed });
        Assert.False(replay.Passed);
        Assert.Equal(1, replay.Cases);
    }

    [Fact]
    public void TheSameSeedGivesTheSameCases()
    {
        Gen<int> gen = Gen.Int[0, int.MaxValue];
        var first = new List<int>();
        var second = new List<int>();

        FuzzRunner.Run("self", gen, first.Add, x => x.ToString(), new FuzzBudget { Seed = 11, MaxCases = 20 });
        FuzzRunner.Run("self", gen, second.Add, x => x.ToString(), new FuzzBudget { Seed = 11, MaxCases = 20 });

        Assert.Equal(20, first.Count);
        Assert.Equal(first, second);
    }
}
