using Driver.Core.Memory;
using Driver.Sim.Fuzz;
using Driver.Sim.Tests.Scenarios;
using Driver.Fuzz;
using Xunit.Abstractions;

namespace Driver.Sim.Tests.Fuzz;

/// <summary>
/// Mutated shipped scenarios (<see cref="ScenarioProperty"/>): the loader gives a clear scenario error or a valid
/// scenario, never another exception; a cheap valid one runs to the end within a bound. A small budget here;
/// GPUSIM_FUZZ_SECONDS runs it longer, GPUSIM_FUZZ_SEED repeats a run, GPUSIM_FUZZ_REPLAY replays a minimal failing
/// case (or <c>gpusim fuzz --target scenarios</c>).
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class ScenarioFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedScenariosGiveAClearErrorOrRunToTheEnd()
    {
        FuzzBudget budget = FuzzBudget.FromEnvironment(seconds: 8, maxCases: 300) with { RequireExecution = true };
        output.WriteLine($"scenarios: seed {budget.Seed} (set {FuzzBudget.SeedVariable} to repeat)");
        var property = new ScenarioProperty(ScenarioCorpus.FromDirectory(ScenarioFiles.Directory));
        FuzzReport report = FuzzRunner.Run("scenarios", ScenarioGenerators.Case(property.Corpus.Files.Count), property.Run,
            c => $"{c}{Environment.NewLine}{property.Text(c)}", budget);
        output.WriteLine(report.Summary);
        Assert.True(report.Passed, $"{report.Summary}{Environment.NewLine}{report.Failure}");
    }

    [Fact]
    public void AFuzzedRunWhoseStoresDidNotLandFailsTheCase()
    {
        // A fuzzed valid scenario's run checks the driver's invariant as gpusim run does: an ok batch whose stores are
        // not in memory, or a dword that no batch targets written, is a finding whatever the mutation did to the
        // scenario's expectations. Here the run's target object is overwritten before the checks, as a driver that
        // lost or misplaced stores would leave it.
        string dir = Path.Combine(Path.GetTempPath(), $"gpusim-scenario-fuzz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "tiny.json"), DefaultScenarioTests.TinyScenario);
            var property = new ScenarioProperty(ScenarioCorpus.FromDirectory(dir))
            {
                BeforeVerify = dev =>
                {
                    BufferObject target = dev.Clients.Single(c => c.Name == "a").Objects.MinBy(o => o.Id)!;
                    for (int d = 0; d < 1024; d++)
                    {
                        target.WriteDword(d * 4, 0xBAD0BAD0);
                    }
                },
            };

            FuzzViolationException e = Assert.Throws<FuzzViolationException>(() => property.Run(new ScenarioCase(0, [])));

            Assert.Contains("mismatched", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnInvalidOperationExceptionThatIsNotTheScenarioLayersOwnFailsTheCase()
    {
        // Only the scenario layer's own "could not X: errno" failures (what gpusim run reports as the scenario's finding)
        // are accepted from a fuzzed run; an InvalidOperationException from anywhere else (a collection modified under
        // an enumeration in the driver, a broken invariant) is a driver bug the property must report.
        string dir = Path.Combine(Path.GetTempPath(), $"gpusim-scenario-fuzz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "tiny.json"), DefaultScenarioTests.TinyScenario);
            var property = new ScenarioProperty(ScenarioCorpus.FromDirectory(dir))
            {
                BeforeVerify = _ => throw new InvalidOperationException("Collection was modified; enumeration operation may not execute."),
            };

            FuzzViolationException e = Assert.Throws<FuzzViolationException>(() => property.Run(new ScenarioCase(0, [])));

            Assert.Contains("Collection was modified", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AFuzzedRunCountsTheExecbufsItGotAcceptedAndTheBatchesThatRan()
    {
        // The scenario fuzzer's reach: a valid scenario's run submits through execbuf (i915_gem_do_execbuffer) and its
        // batches complete; the run counts them, so an exploration that never got a batch through fails instead of
        // passing vacuously (FuzzBudget.RequireExecution).
        string dir = Path.Combine(Path.GetTempPath(), $"gpusim-scenario-fuzz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "tiny.json"), DefaultScenarioTests.TinyScenario);
            var property = new ScenarioProperty(ScenarioCorpus.FromDirectory(dir));

            FuzzReport report = FuzzRunner.Run("scenarios", CsCheck.Gen.Const(new ScenarioCase(0, [])), property.Run, c => c.ToString(),
                new FuzzBudget { Seed = 1, MaxCases = 1, RequireExecution = true });

            Assert.True(report.Passed, report.Failure);
            Assert.True(report.Accepted > 0 && report.Executed > 0, report.Summary);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheCorpusIsTheShippedScenariosWithoutTheSchema()
    {
        var corpus = ScenarioCorpus.FromDirectory(ScenarioFiles.Directory);

        Assert.Contains(corpus.Files, f => f.Name == "default.json");
        Assert.DoesNotContain(corpus.Files, f => f.Name.EndsWith(".schema.json", StringComparison.Ordinal));
    }

    [Fact]
    public void MutationsChangeTheTextAndTheSameCaseGivesTheSameText()
    {
        string json = File.ReadAllText(ScenarioFiles.Path("default"));
        ScenarioMutation[] mutations = [new(ScenarioMutationKind.Replace, 3, 0, 0), new(ScenarioMutationKind.Truncate, 0, 0, 500)];

        string once = ScenarioMutator.Apply(json, mutations);

        Assert.NotEqual(json, once);
        Assert.Equal(once, ScenarioMutator.Apply(json, mutations));
    }
}
