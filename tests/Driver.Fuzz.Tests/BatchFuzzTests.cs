using Xunit.Abstractions;

namespace Driver.Fuzz.Tests;

/// <summary>
/// Random and malformed batches through execbuf (<see cref="BatchProperty"/>): random dwords, jumps out of bounds and
/// into other objects, huge lengths, self-modifying batches, batches storing to their own breadcrumb. After each case
/// every fence signalled once with its error first, no lock-validator report, and the device still works. A small
/// budget here; GPUSIM_FUZZ_SECONDS runs it longer, GPUSIM_FUZZ_SEED repeats a run, GPUSIM_FUZZ_REPLAY replays the
/// minimal failing case a failure printed (or use <c>gpusim fuzz --target batches</c>).
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class BatchFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void RandomAndMalformedBatchesKeepEveryFenceHonestAndTheDeviceWorking()
    {
        FuzzBudget budget = FuzzBudget.FromEnvironment(seconds: 8, maxCases: 60) with { RequireExecution = true };
        output.WriteLine($"batches: seed {budget.Seed} (set {FuzzBudget.SeedVariable} to repeat)");
        FuzzReport report = FuzzRunner.Run("batches", BatchGenerators.Case, BatchProperty.Run, c => c.ToString(), budget);
        output.WriteLine(report.Summary);
        Assert.True(report.Passed, $"{report.Summary}{Environment.NewLine}{report.Failure}");
    }
}
