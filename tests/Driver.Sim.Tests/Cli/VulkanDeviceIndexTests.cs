using Driver.Engines.Vulkan;
using Driver.Sim.Cli;
using Driver.Sim.Tests.Vulkan;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// A Vulkan device index (issue 18): out of a scenario's range is a bad scenario (2, naming <c>$.device.vkDevice</c>);
/// one this machine lacks is a skip (77) saying so, for a scenario and for <c>vulkan-smoke --vk-device</c>.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class VulkanDeviceIndexTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-vk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Scenario(string vkDevice)
    {
        string path = Path.Combine(_dir, "vk.json");
        File.WriteAllText(path, $$"""
            { "name": "vk", "device": { "vkDevice": {{vkDevice}}, "engines": { "rcs0": { "backend": "vulkan" } } },
              "clients": [ { "name": "a" } ],
              "phases": [ { "steps": [ { "type": "batches", "client": "a", "count": 1, "engines": ["rcs0"] } ] } ] }
            """);
        return path;
    }

    [Theory]
    [InlineData("-1", "must be between 0 and 63 (got -1)")]
    [InlineData("64", "must be between 0 and 63 (got 64)")]
    [InlineData("\"five\"", "wrong type or value: expected an integer")]
    public void AnInvalidIndexIsABadScenarioNamingTheField(string vkDevice, string message)
    {
        string path = Scenario(vkDevice);

        (int code, string _, string err) = Gpusim.Run("run", "--scenario", path, "--quiet");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"$.device.vkDevice: {message}", err);
        Assert.StartsWith($"gpusim: error: {path}", err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void AnIndexThisMachineLacksIsASkip()
    {
        (int code, string _, string err) = Gpusim.Run("run", "--scenario", Scenario("63"), "--quiet");

        Assert.Equal(ExitCodes.Skipped, code);
        Assert.StartsWith("gpusim: skipped: the scenario needs a Vulkan device: ", err);
        if (VulkanProbe.Probe().Available)
        {
            Assert.Contains("no such Vulkan device: $.device.vkDevice is 63, and this machine has", err);
        }
        // Not the vulkan-smoke flag: the user never passed one.
        Assert.DoesNotContain("--vk-device", err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void VulkanSmokeOnADeviceThisMachineLacksIsASkip()
    {
        (int code, string output, string err) = Gpusim.Run("vulkan-smoke", "--vk-device", "63");

        Assert.Equal(ExitCodes.Skipped, code);
        Assert.Contains("gpusim: skipped: ", err);
        if (VulkanProbe.Probe().Available)
        {
            Assert.Contains("no such Vulkan device: --vk-device 63", err);
        }
        Assert.DoesNotContain("validation layer", output + err, StringComparison.OrdinalIgnoreCase);
    }
}
