using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Tests.Scenarios;

[Collection(ScenarioCollection.Name)]
public class DefaultScenarioTests
{
    [Fact]
    public void DefaultScenarioSignalsEveryFenceAndVerifiesEveryStoreOnAllEngines()
    {
        Scenario scenario = ScenarioLoader.LoadDefault();

        RunResult r = new ScenarioRunner(scenario).Run();

        Assert.True(r.Fences.Submitted >= 10_000, $"only {r.Fences.Submitted} requests");
        Assert.Equal(0, r.Fences.Unsignaled);
        Assert.Equal(r.Fences.Submitted, r.Fences.Ok);
        Assert.Empty(r.Fences.Errors);
        Assert.Equal(0, r.Checks.StoresMismatched);
        Assert.Equal(0, r.Checks.StoresStray);
        Assert.True(r.Checks.StoresVerified >= 40_000, $"only {r.Checks.StoresVerified} stores verified");
        foreach (EngineId engine in EngineIds.All)
        {
            Assert.True(r.Engines[engine.Name()].Requests > 0, $"{engine.Name()} got no work");
        }

        Assert.Equal(0, r.Resets.Engine + r.Resets.Full);
        Assert.False(r.Wedged);
        Assert.True(r.Expect!.Passed, string.Join("; ", r.Expect.Failures));
        Assert.True(r.Passed);
    }

    [Fact]
    public void CorruptedStoreIsReportedAsMismatchAndFailsTheRun()
    {
        Scenario scenario = ScenarioLoader.Parse(TinyScenario, "tiny.json");
        var options = new RunOptions
        {
            // Overwrite the whole first page of the client's target object: both real store slots and guard dwords.
            BeforeVerify = dev =>
            {
                BufferObject target = dev.Clients.Single(c => c.Name == "a").Objects.MinBy(o => o.Id)!;
                for (int d = 0; d < 1024; d++)
                {
                    target.WriteDword(d * 4, 0xBAD0BAD0);
                }
            },
        };

        RunResult r = new ScenarioRunner(scenario, options).Run();

        Assert.Equal(0, r.Fences.Unsignaled);
        Assert.True(r.Checks.StoresMismatched > 0);
        Assert.True(r.Checks.StoresStray > 0);
        Assert.NotEmpty(r.Checks.Samples);
        Assert.False(r.Passed);
    }

    [Fact]
    public void SameSeedGivesSameEngineChoicesAndOtherSeedDiffers()
    {
        Scenario scenario = ScenarioLoader.Parse(TinyScenario, "tiny.json");

        RunResult first = new ScenarioRunner(scenario, new RunOptions { Seed = 5 }).Run();
        RunResult again = new ScenarioRunner(scenario, new RunOptions { Seed = 5 }).Run();
        RunResult other = new ScenarioRunner(scenario, new RunOptions { Seed = 6 }).Run();

        Func<RunResult, string> counts = (Sim.Results.RunResult r) => string.Join(",", r.Engines.Select(e => e.Value.Requests));
        Assert.Equal(5, first.Seed);
        Assert.Equal(counts(first), counts(again));
        Assert.NotEqual(counts(first), counts(other));
        Assert.True(first.Passed && again.Passed && other.Passed);
    }

    /// <summary>400 randomly spread, chained batches from one client.</summary>
    internal const string TinyScenario = """
        {
          "name": "tiny",
          "clients": [ { "name": "a" } ],
          "phases": [ { "steps": [
            { "type": "batches", "name": "w", "client": "a", "count": 400, "engines": "all",
              "distribution": "random", "dependsOnPrevious": "cross-engine", "storesPerBatch": 3 } ] } ],
          "expect": { "fences": { "ok": "all" } }
        }
        """;
}
