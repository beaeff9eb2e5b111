using System.Text.Json;
using Driver.Sim.Cli;
using Driver.Sim.Info;
using Driver.Sim.Tests.Scenarios;
using Driver.Uapi;

namespace Driver.Sim.Tests.Cli;

/// <summary><c>gpusim info</c>: the configured device, debugfs style or JSON, with overrides.</summary>
public class InfoCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GpusimCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Sections by title, each a key → value map, parsed from the text output.</summary>
    private static Dictionary<string, Dictionary<string, string>> Parse(string text)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        foreach (string line in text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('\t'))
            {
                sections[line] = current = new Dictionary<string, string>();
                continue;
            }
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            current![line[1..colon]] = line[(colon + 2)..];
        }
        return sections;
    }

    [Fact]
    public void DefaultsShowEveryEngineWithItsClassAndI915Timeouts()
    {
        (int code, string? output, string? err) = Run("info");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", err);
        Dictionary<string, Dictionary<string, string>> s = Parse(output);
        Assert.Equal(["device", "hangcheck", "reset", "bans", "rcs0", "bcs0", "vcs0", "vecs0", "ccs0"], s.Keys);
        Assert.Equal("render (0)", s["rcs0"]["class"]);
        Assert.Equal("copy (1)", s["bcs0"]["class"]);
        Assert.Equal("compute (4)", s["ccs0"]["class"]);
        Assert.Equal("0x10", s["ccs0"]["mask"]);
        Assert.Equal("2500", s["hangcheck"]["heartbeat_interval_ms"]);
        Assert.Equal("640", s["vcs0"]["preempt_timeout_ms"]);
        Assert.Equal("engine, full", s["reset"]["capabilities"]);
        Assert.Equal("epoch", s["device"]["wedge_strategy"]);
        Assert.Equal("1024 MiB", s["device"]["ggtt_size"]);
    }

    [Fact]
    public void OverridesShowBesideTheirDefaults()
    {
        (int code, string? output, string _) = Run("info", "--heartbeat-ms", "100", "--preempt-timeout-ms", "25", "--no-engine-reset", "--wedge-strategy", "stop-machine");

        Assert.Equal(ExitCodes.Ok, code);
        Dictionary<string, Dictionary<string, string>> s = Parse(output);
        Assert.Equal("100 [default 2500]", s["hangcheck"]["heartbeat_interval_ms"]);
        Assert.Equal("25 [default 640]", s["rcs0"]["preempt_timeout_ms"]);
        Assert.Equal("full [default engine, full]", s["reset"]["capabilities"]);
        Assert.Equal("stop-machine [default epoch]", s["device"]["wedge_strategy"]);
    }

    [Fact]
    public void ShowsAScenariosDevice()
    {
        (int code, string? output, string _) = Run("info", "--scenario", ScenarioFiles.Path("hang-engine-reset"));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("100 ", Parse(output)["hangcheck"]["heartbeat_interval_ms"]);
    }

    [Fact]
    public void JsonHasOneObjectPerSection()
    {
        (int code, string? output, string _) = Run("info", "--json", "--no-full-reset");

        Assert.Equal(ExitCodes.Ok, code);
        JsonElement root = JsonDocument.Parse(output).RootElement;
        Assert.False(root.GetProperty("reset").GetProperty("full_reset").GetBoolean());
        Assert.Equal("video (2)", root.GetProperty("vcs0").GetProperty("class").GetString());
    }

    [Theory]
    [InlineData("info --engine-reset --no-engine-reset")]
    [InlineData("info --heartbeat-ms -1")]
    [InlineData("info --wedge-strategy rcu")]
    public void ContradictionsAndBadValuesAreUsageErrors(string commandLine)
    {
        (int code, string _, string? err) = Run(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("gpusim: ", err);
    }

    [Fact]
    public void DescribeReflectsTheConfigurationObject()
    {
        IReadOnlyList<InfoSection> sections = DeviceInfo.Describe(DeviceConfig.Fast());

        InfoLine heartbeat = sections.Single(s => s.Title == "hangcheck").Lines.Single(l => l.Key == "heartbeat_interval_ms");
        Assert.Equal("40", heartbeat.Value);
        Assert.Equal("2500", heartbeat.Default);
        Assert.Equal("256 MiB", sections.Single(s => s.Title == "device")["memory"]);
    }
}
