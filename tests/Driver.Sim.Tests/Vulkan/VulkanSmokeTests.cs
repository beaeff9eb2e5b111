using System.CommandLine;
using System.Text.Json;
using Driver.Engines.Vulkan;
using Driver.Sim.Vulkan;

using Driver.Testing.Vulkan;

namespace Driver.Sim.Tests.Vulkan;

[Collection(VulkanCollection.Name)]
public class VulkanSmokeTests
{
    [VulkanFact]
    public void EverySmokeStepPassesWithoutValidationErrors()
    {
        VulkanSmokeReport report = VulkanSmoke.Run(new VulkanSmokeOptions { HangTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.Null(report.SkipReason);
        Assert.Null(report.Error);
        Assert.Equal(["store-dword", "dependent-chain", "spinner", "forced-hang", "device-lost", "untranslatable"], report.Steps.Select(s => s.Name));
        foreach (VulkanSmokeStep step in report.Steps)
        {
            Assert.True(step.Passed, $"{step.Name}: {step.Detail}");
        }

        Assert.Equal(0, report.ValidationErrors);
        Assert.True(report.Passed);
        Assert.Equal(0, report.ExitCode);
        Assert.NotNull(report.Device);
    }

    [VulkanFact]
    public void TheCommandPrintsEachStepAndWritesTheSameDataAsJson()
    {
        string json = Path.Combine(Path.GetTempPath(), $"gpusim-vk-smoke-{Guid.NewGuid():N}.json");
        try
        {
            var output = new StringWriter();
            int exit = VulkanSmokeCommand.Run(null, json, output, new StringWriter());
            string text = output.ToString();
            Assert.True(exit == 0, text);
            Assert.Contains("Vulkan devices:", text);
            Assert.Contains("PASS  forced-hang", text);
            Assert.Contains("Validation: 0 errors", text);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = doc.RootElement;
            Assert.True(root.GetProperty("passed").GetBoolean());
            Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
            Assert.Equal(0, root.GetProperty("validationErrors").GetInt32());
            Assert.Equal(6, root.GetProperty("steps").GetArrayLength());
            JsonElement first = root.GetProperty("steps")[0];
            Assert.Equal("store-dword", first.GetProperty("name").GetString());
            Assert.True(first.GetProperty("milliseconds").GetDouble() >= 0);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("device").GetProperty("name").GetString()));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [VulkanFact]
    public void ADeviceThisMachineLacksIsASkipSayingSo()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(77, VulkanSmokeCommand.Run(63, null, output, error));
        Assert.Contains("gpusim: skipped: no such Vulkan device: --vk-device 63, and this machine has", error.ToString());
        Assert.Contains("SKIP: no such Vulkan device", output.ToString());
        Assert.DoesNotContain("validation", output.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void NoVulkanIsASkipWithItsReasonAndExit77()
    {
        var report = new VulkanSmokeReport { SkipReason = "Vulkan loader not found (libvulkan.so.1)" };
        var output = new StringWriter();
        VulkanSmokeCommand.Print(report, output);
        Assert.Equal(77, report.ExitCode);
        Assert.False(report.Passed);
        Assert.Contains("SKIP: Vulkan loader not found", output.ToString());
        Assert.Contains("\"skipReason\": \"Vulkan loader not found", VulkanSmokeCommand.ToJson(report));
    }

    [Fact]
    public void AFailedStepOrAValidationErrorFailsTheRun()
    {
        var report = new VulkanSmokeReport { Device = new VulkanPhysicalDeviceInfo(0, "d", "drv", "1.3.0", "Cpu", 0, 0, true) };
        report.Steps.Add(new VulkanSmokeStep("store-dword", true, 1, "ok"));
        Assert.Equal(0, report.ExitCode);
        report.ValidationErrors = 1;
        Assert.Equal(1, report.ExitCode);
        report.ValidationErrors = 0;
        report.Steps.Add(new VulkanSmokeStep("spinner", false, 1, "did not start"));
        Assert.Equal(1, report.ExitCode);
        var output = new StringWriter();
        VulkanSmokeCommand.Print(report, output);
        Assert.Contains("FAIL  spinner", output.ToString());
    }

    [Fact]
    public void TheCommandHasItsOptions()
    {
        Command cmd = VulkanSmokeCommand.Build();
        Assert.Equal("vulkan-smoke", cmd.Name);
        Assert.Contains(cmd.Options, o => o.Name == "--vk-device");
        Assert.Contains(cmd.Options, o => o.Name == "--json");
        Assert.Empty(cmd.Parse(["--vk-device", "0", "--json", "out.json"]).Errors);
        Assert.NotEmpty(cmd.Parse(["--vk-device", "zero"]).Errors);
    }
}
