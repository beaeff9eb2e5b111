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
    public void ACaseThatHangsFailsTheRunWithItsSeedInsteadOfHangingIt()
    {
        // A driver deadlock inside an ioctl blocks the property's thread: the run must end by itself, failed, with the
        // seed of the case that hung (not run until an outer timeout kills it with no seed to replay).
        using var release = new ManualResetEventSlim();
        Gen<int> gen = Gen.Int[0, 1000];
        int calls = 0;
        int hungOn = -1;
        void Property(int x)
        {
            if (Interlocked.Increment(ref calls) == 2)
            {
                hungOn = x;
                release.Wait(TimeSpan.FromSeconds(60));
            }
        }

        FuzzReport? report = null;
        var run = new Thread(() => report = FuzzRunner.Run("self", gen, Property, x => x.ToString(),
            new FuzzBudget { Seed = 5, MaxCases = 10, CaseBound = TimeSpan.FromSeconds(1) }))
        { IsBackground = true };
        run.Start();
        bool ended = run.Join(TimeSpan.FromSeconds(20));
        release.Set();

        Assert.True(ended, "the fuzz run did not end within 20 s of a case that hung (case bound 1 s)");
        Assert.NotNull(report);
        Assert.False(report.Passed);
        Assert.Equal(2, report.Cases);
        Assert.Equal(FuzzRunner.CaseSeed(5, 1), report.FailingSeed);
        Assert.Contains("did not finish within 1 s", report.Failure);
        // The case itself is printed, as CsCheck prints a failing one.
        Assert.EndsWith(Environment.NewLine + hungOn, report.Failure);
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

    [Theory]
    [InlineData(FuzzBudget.SeedVariable, "12x")]
    [InlineData(FuzzBudget.SeedVariable, "99999999999")]
    [InlineData(FuzzBudget.SecondsVariable, "ten")]
    [InlineData(FuzzBudget.SecondsVariable, "-1")]
    public void AMalformedBudgetVariableGivesAClearMessageNotAFormatException(string name, string value)
    {
        // Bad input gets a clear message naming what was wrong, never a bare parse exception's stack trace.
        string? Lookup(string v) => v == name ? value : null;

        ArgumentException e = Assert.Throws<ArgumentException>(() => FuzzBudget.FromEnvironment(5, 60, Lookup));

        Assert.Contains(name, e.Message);
        Assert.Contains($"'{value}'", e.Message);
    }

    [Fact]
    public void WellFormedBudgetVariablesAreUsed()
    {
        string? Lookup(string v) => v switch { FuzzBudget.SeedVariable => "42", FuzzBudget.SecondsVariable => "2.5", _ => null };

        var budget = FuzzBudget.FromEnvironment(5, 60, Lookup);

        Assert.Equal(42, budget.Seed);
        Assert.Equal(TimeSpan.FromSeconds(2.5), budget.Duration);
        Assert.Equal(int.MaxValue, budget.MaxCases);
    }

    [Fact]
    public void AnExplorationThatExecutedNoBatchFailsWhenExecutionIsRequired()
    {
        // A fuzzer that exists to drive batches through execbuf (i915_gem_do_execbuffer) and whose cases were all refused
        // at the door tested nothing of what it is for: it must fail, not pass vacuously.
        static void Refused(int x)
        {
        }

        FuzzReport report = FuzzRunner.Run("self", Gen.Int[0, 10], Refused, x => x.ToString(),
            new FuzzBudget { Seed = 7, MaxCases = 5, RequireExecution = true });

        Assert.False(report.Passed);
        Assert.Contains("accepted no execbuf", report.Failure);
        Assert.Equal(0, report.Accepted);
    }

    [Fact]
    public void AcceptedAndExecutedBatchesAreCountedPerRun()
    {
        static void Reaches(int x)
        {
            FuzzReach.Current!.CountAccepted();
            // From another thread of the case, as a uAPI case's clients are.
            var t = new Thread(() => FuzzReach.Current!.CountExecuted());
            t.Start();
            Assert.True(t.Join(TimeSpan.FromSeconds(10)));
        }

        FuzzReport report = FuzzRunner.Run("self", Gen.Int[0, 10], Reaches, x => x.ToString(),
            new FuzzBudget { Seed = 7, MaxCases = 5, RequireExecution = true });

        Assert.True(report.Passed, report.Failure);
        Assert.Equal(5, report.Accepted);
        Assert.Equal(5, report.Executed);
    }
}
