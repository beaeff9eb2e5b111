using System.Text.Json;
using System.Xml.Linq;
using Driver.Sim.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

/// <summary>The observability flags of <c>run</c> and the <c>soak</c> command, end to end through the CLI.</summary>
[Collection(ScenarioCollection.Name)]
public sealed class ObservabilityCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-obs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GpusimCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void RunWritesTraceAndTimeline()
    {
        string scenario = PathOf("tiny.json");
        File.WriteAllText(scenario, DefaultScenarioTests.TinyScenario);

        (int code, string _, string? err) = Run("run", "--scenario", scenario, "--trace", PathOf("t.json"), "--timeline", PathOf("t.svg"), "--json", PathOf("r.json"), "--quiet");

        Assert.True(code == ExitCodes.Ok, err);
        int submitted = JsonDocument.Parse(File.ReadAllText(PathOf("r.json"))).RootElement.GetProperty("fences").GetProperty("submitted").GetInt32();
        JsonElement.ArrayEnumerator events = JsonDocument.Parse(File.ReadAllText(PathOf("t.json"))).RootElement.GetProperty("traceEvents").EnumerateArray();
        Assert.Equal(submitted, events.Count(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "request"));
        Assert.Equal("svg", XDocument.Load(PathOf("t.svg")).Root!.Name.LocalName);
    }

    [Fact]
    public void RunLogsJsonLinesWhenAsked()
    {
        (int code, string _, string? err) = Run("run", "--scenario", ScenarioFiles.Path("hang-engine-reset"), "--log-format", "json", "--quiet");

        Assert.Equal(ExitCodes.Ok, code);
        string[] lines = err.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        JsonElement hang = lines.Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("message").GetString()!.StartsWith("GPU HANG"));
        Assert.Equal("rcs0", hang.GetProperty("engine").GetString());
        Assert.Equal("warning", hang.GetProperty("level").GetString());
    }

    [Fact]
    public void ShortSoakHoldsTheInvariantAndWritesItsResultsAndTrace()
    {
        (int code, string? output, string? err) = Run("soak", "--seconds", "1", "--seed", "5", "--threads", "1", "--json", PathOf("soak.json"), "--trace", PathOf("trace.json"), "--quiet");

        Assert.True(code == ExitCodes.Ok, output + err);
        Assert.Contains("invariant: held", output);
        Assert.Contains("seed 5", output);
        JsonElement result = JsonDocument.Parse(File.ReadAllText(PathOf("soak.json"))).RootElement;
        Assert.Equal(0, result.GetProperty("violations").GetInt64());
        Assert.Equal(0, result.GetProperty("unsignaled").GetInt64());
        long requests = result.GetProperty("requests").GetInt64();
        Assert.True(requests > 0);
        foreach (JsonProperty status in result.GetProperty("statuses").EnumerateObject())
        {
            Assert.Contains(status.Name, new[] { "ok", "EIO", "EAGAIN" });
        }

        JsonElement trace = JsonDocument.Parse(File.ReadAllText(PathOf("trace.json"))).RootElement;
        Assert.Equal(requests, trace.GetProperty("traceEvents").EnumerateArray().Count(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "request"));
    }

    [Theory]
    [InlineData("soak --threads 0")]
    [InlineData("soak --seconds 0")]
    [InlineData("soak --wedge-strategy rcu")]
    [InlineData("run --log-format xml")]
    public void BadObservabilityOptionsAreUsageErrors(string commandLine)
    {
        (int code, string _, string? err) = Run(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("gpusim: ", err);
    }

    [Fact]
    public void HelpListsTheNewOptionsAndCommands()
    {
        (int _, string? run, string _) = Run("run", "--help");
        foreach (string? option in new[] { "--trace", "--timeline", "--log-format", "--quiet" })
        {
            Assert.Contains(option, run);
        }

        (int _, string? soak, string _) = Run("soak", "--help");
        foreach (string? option in new[] { "--seconds", "--seed", "--threads", "--wedge-strategy", "--trace", "--json", "--quiet" })
        {
            Assert.Contains(option, soak);
        }

        (int _, string? root, string _) = Run("--help");
        Assert.Contains("info", root);
        Assert.Contains("soak", root);
    }
}
