using Driver.Engines.Gt;
using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Tests.Scenarios;

[Collection(ScenarioCollection.Name)]
public class ShippedScenarioTests
{
    /// <summary>
    /// Every shipped scenario that runs on the simulated engines alone. Those that put an engine on Vulkan run in
    /// <see cref="Vulkan.VulkanScenarioTests"/>, which skips with the probe's reason where no Vulkan device exists.
    /// </summary>
    public static TheoryData<string> Names => new(Directory.GetFiles(ScenarioFiles.Directory, "*.json")
        .Select(p => Path.GetFileNameWithoutExtension(p)!)
        .Where(n => n != "scenario.schema" && !NeedsVulkan(n))
        .Order());

    private static bool NeedsVulkan(string name) =>
        ScenarioLoader.LoadFile(ScenarioFiles.Path(name)).Device?.Engines?.Values
            .Any(e => e.Backend == EngineBackendName.Vulkan) == true;

    [Theory]
    [MemberData(nameof(Names))]
    public void ShippedScenarioMeetsItsOwnExpectations(string name)
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path(name));
        Assert.NotNull(scenario.Expect);

        RunResult r = new ScenarioRunner(scenario).Run();

        Assert.True(r.Expect!.Passed, $"{name}: " + string.Join("; ", r.Expect.Failures));
        Assert.Equal(0, r.Fences.Unsignaled);
        Assert.Equal(0, r.Checks.StoresMismatched);
        Assert.True(r.Passed);
    }

    [Fact]
    public void OnlyTheVulkanPassthroughScenarioNeedsVulkan()
    {
        // A scenario left out of Names must be run by a Vulkan test, or it would silently go untested.
        Assert.True(NeedsVulkan("vulkan-passthrough"));
        Assert.Equal(["vulkan-passthrough"], Directory.GetFiles(ScenarioFiles.Directory, "*.json")
            .Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Where(n => n != "scenario.schema" && NeedsVulkan(n)));
    }

    [Fact]
    public void EveryExpectedScenarioIsShipped()
    {
        string[] expected = ["default", "hang-engine-reset", "hang-full-reset", "wedge", "unwedge", "ban"];
        foreach (string name in expected)
        {
            Assert.True(File.Exists(ScenarioFiles.Path(name)), $"scenarios/{name}.json missing");
        }

        Assert.True(File.Exists(Path.Combine(ScenarioFiles.Directory, "scenario.schema.json")));
    }

    [Fact]
    public void EmbeddedDefaultIsTheShippedDefault()
    {
        Assert.Equal(ScenarioLoader.LoadFile(ScenarioFiles.Path("default")), ScenarioLoader.LoadDefault(), new ScenarioShapeComparer());
    }

    [Fact]
    public void WedgeScenarioPassesWithStopMachineStrategy()
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path("wedge"));

        RunResult r = new ScenarioRunner(scenario, new RunOptions { WedgeStrategy = WedgeStrategy.StopMachine }).Run();

        Assert.True(r.Expect!.Passed, string.Join("; ", r.Expect.Failures));
        Assert.True(r.Wedged);
        Assert.Equal(0, r.Fences.Unsignaled);
        Assert.Equal(new[] { "EIO" }, r.Fences.Errors.Keys);
    }

    [Fact]
    public void HangScenarioCapturesAnErrorStateNamingTheGuiltyContext()
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path("hang-engine-reset"));

        RunResult r = new ScenarioRunner(scenario).Run();

        string dump = Assert.Single(r.ErrorStateDumps);
        Assert.Contains("rcs0", dump);
        Assert.Contains("hog", dump);
    }

    /// <summary>Compares two scenarios by their JSON form (records holding lists compare lists by reference).</summary>
    private sealed class ScenarioShapeComparer : IEqualityComparer<Sim.Scenarios.Model.Scenario>
    {
        public bool Equals(Sim.Scenarios.Model.Scenario? x, Sim.Scenarios.Model.Scenario? y) => Json(x) == Json(y);

        public int GetHashCode(Sim.Scenarios.Model.Scenario obj) => Json(obj).GetHashCode(StringComparison.Ordinal);

        private static string Json(Sim.Scenarios.Model.Scenario? s) =>
            System.Text.Json.JsonSerializer.Serialize(s, Sim.Scenarios.Json.ScenarioJson.Options);
    }
}
