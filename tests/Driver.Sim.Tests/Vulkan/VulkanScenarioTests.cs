using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;
using Driver.Sim.Tests.Scenarios;

using Driver.Testing.Vulkan;

namespace Driver.Sim.Tests.Vulkan;

/// <summary>Scenarios can put an engine on Vulkan ("backend": "vulkan"); gpusim run passes the work through.</summary>
public class VulkanScenarioTests
{
    [VulkanFact]
    public void PassthroughScenarioMeetsItsExpectationsOnVulkan()
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path("vulkan-passthrough"));
        RunResult result = new ScenarioRunner(scenario).Run();
        Assert.True(result.Passed, string.Join("; ", result.Expect?.Failures ?? []));
        Assert.Equal(90, result.Fences.Submitted);
        Assert.Equal(90, result.Fences.Ok);
        Assert.Equal(0, result.Fences.Unsignaled);
        Assert.Equal(0, result.Checks.StoresMismatched);
        Assert.Equal(50 * 4 + 40 * 2, result.Checks.StoresVerified);
        Assert.True(result.Engines["rcs0"].Requests > 0);
    }

    [Fact]
    public void UnknownEngineAndMisplacedTimeoutAreRejectedWithTheirPath()
    {
        const string Json = """
            { "name": "x", "device": { "engines": { "rcs9": { "backend": "vulkan" }, "bcs0": { "vkTimeoutMs": 5 } } },
              "clients": [], "phases": [] }
            """;
        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Json, "vk.json"));
        Assert.Contains("$.device.engines.rcs9", e.Message);
        Assert.Contains("unknown engine 'rcs9'", e.Message);
        Assert.Contains("$.device.engines.bcs0.vkTimeoutMs", e.Message);
    }
}
