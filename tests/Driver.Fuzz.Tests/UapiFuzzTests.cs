using Xunit.Abstractions;

namespace Driver.Fuzz.Tests;

/// <summary>
/// Random uAPI call sequences from several threads over shared clients (<see cref="UapiProperty"/>): invalid handles,
/// flags, offsets and sizes; closes and destroys racing execbufs and waits; contexts closed with work pending;
/// hanging and faulting spinners so resets happen. No call throws or returns a positive value, every fence signals
/// once with its error first, no lock-validator report, and the device still works. Budget and replay as
/// <see cref="BatchFuzzTests"/>.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class UapiFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void RandomConcurrentUapiCallsKeepEveryFenceHonestAndTheDeviceWorking()
    {
        var budget = FuzzBudget.FromEnvironment(seconds: 10, maxCases: 60);
        output.WriteLine($"uapi: seed {budget.Seed} (set {FuzzBudget.SeedVariable} to repeat)");
        FuzzReport report = FuzzRunner.Run("uapi", UapiGenerators.Case, UapiProperty.Run, c => c.ToString(), budget);
        output.WriteLine(report.Summary);
        Assert.True(report.Passed, $"{report.Summary}{Environment.NewLine}{report.Failure}");
    }
}
