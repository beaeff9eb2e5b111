using System.Text.Json;
using Driver.Sim.Cli;

namespace Driver.Sim.Tests.Cli;

/// <summary><c>info --json</c> (issue 18): numbers are numbers and yes/no are booleans; a zero memory size is refused.</summary>
public sealed class InfoJsonTests
{
    [Fact]
    public void ValuesAreTyped()
    {
        (int code, string output, string _) = Gpusim.Run("info", "--json", "--heartbeat-ms", "100", "--memory-mb", "64");

        Assert.Equal(ExitCodes.Ok, code);
        JsonElement root = JsonDocument.Parse(output).RootElement;
        JsonElement device = root.GetProperty("device");
        Assert.Equal(64, device.GetProperty("memory_mib").GetInt32());
        Assert.Equal(1024, device.GetProperty("ggtt_size_mib").GetInt32());
        Assert.Equal(16, device.GetProperty("fence_registers").GetInt32());
        Assert.Equal("epoch", device.GetProperty("wedge_strategy").GetString());
        Assert.Equal(100, root.GetProperty("hangcheck").GetProperty("heartbeat_interval_ms").GetDouble());
        Assert.True(root.GetProperty("reset").GetProperty("engine_reset").GetBoolean());
        Assert.Equal(JsonValueKind.True, root.GetProperty("reset").GetProperty("error_capture").ValueKind);
        Assert.Equal(0x10, root.GetProperty("ccs0").GetProperty("mask").GetInt32());
        Assert.Equal(0, root.GetProperty("rcs0").GetProperty("instance").GetInt32());
        Assert.Equal(640, root.GetProperty("rcs0").GetProperty("preempt_timeout_ms").GetDouble());
        // Nothing numeric or yes/no is left as a string.
        foreach (JsonProperty section in root.EnumerateObject())
        {
            foreach (JsonProperty p in section.Value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                string s = p.Value.GetString()!;
                Assert.False(double.TryParse(s, out _), $"{section.Name}.{p.Name} = \"{s}\"");
                Assert.DoesNotContain(s, new[] { "yes", "no" });
            }
        }
    }

    [Fact]
    public void ZeroMemoryIsRefused()
    {
        (int code, string output, string err) = Gpusim.Run("info", "--memory-mb", "0");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("gpusim: error: --memory-mb: 0 is out of range (expected 16 to 2048)", err);
    }
}
