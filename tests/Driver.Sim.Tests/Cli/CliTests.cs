using System.Text.Json;
using Driver.Sim.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

[Collection(ScenarioCollection.Name)]
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GpusimCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("run --bogus")]
    [InlineData("run extra-argument")]
    [InlineData("run --seed abc")]
    [InlineData("run --wedge-strategy rcu")]
    [InlineData("run --scenario")]
    public void ParseErrorsExitWithUsageCodeAndAMessage(string commandLine)
    {
        string[] args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        (int code, string _, string? err) = Run(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("gpusim: ", err);
        Assert.Contains("--help", err);
    }

    [Fact]
    public void HelpExitsZeroAndListsRunOptions()
    {
        (int code, string? output, string _) = Run("run", "--help");

        Assert.Equal(0, code);
        foreach (string? option in new[] { "--scenario", "--json", "--seed", "--verbose", "--log", "--error-state", "--wedge-strategy" })
        {
            Assert.Contains(option, output);
        }
    }

    [Theory]
    [InlineData("{ \"name\": \"x\", \"clients\": [ { \"name\": \"a\" } ], \"phases\": [ { \"steps\": [ { \"type\": \"batches\", \"client\": \"a\", \"count\": -4 } ] } ] }", "$.phases[0].steps[0].count")]
    [InlineData("{ \"name\": \"x\", \"clients\": [ { \"name\": \"a\", \"nickname\": \"b\" } ], \"phases\": [] }", "$.clients[0].nickname")]
    [InlineData("{ \"name\": \"x\", \"clients\": [ { \"name\": \"a\" } ], \"phases\": [ { \"steps\": [ { \"type\": \"hang\", \"client\": \"a\", \"engine\": \"rcs9\" } ] } ] }", "$.phases[0].steps[0].engine")]
    [InlineData("{ \"name\": \"x\", \"clients\": [ { \"name\": \"a\" } ], \"phases\": [ { \"steps\": [ { \"type\": \"wedge\" } ] } ], \"device\": { \"engineReset\": 1 } }", "$.device.engineReset")]
    [InlineData("{ \"name\": \"x\", \"clients\": [ { \"name\": \"a\" } ], ", "$")]
    public void MalformedScenarioFileExitsTwoNamingFileAndField(string json, string field)
    {
        string path = Write("bad.json", json);

        (int code, string? output, string? err) = Run("run", "--scenario", path);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(path, err);
        Assert.Contains(field + ":", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal("", output);
    }

    [Fact]
    public void UnwritableOutputIsAUsageError()
    {
        (int code, string _, string? err) = Run("run", "--scenario", Write("s.json", DefaultScenarioTests.TinyScenario), "--json", Path.Combine(_dir, "no", "such", "dir", "r.json"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("cannot write the results", err);
    }

    [Fact]
    public void RunWritesResultsJsonWithTheContractFieldNames()
    {
        string scenario = Write("s.json", DefaultScenarioTests.TinyScenario);
        string json = Path.Combine(_dir, "results.json");

        (int code, string? output, string? err) = Run("run", "--scenario", scenario, "--json", json, "--seed", "9");

        Assert.True(code == ExitCodes.Ok, err + output);
        Assert.Contains("PASS", output);
        Assert.Contains("requests/s", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = doc.RootElement;
        Assert.Equal("tiny", root.GetProperty("scenario").GetString());
        Assert.Equal(9, root.GetProperty("seed").GetInt32());
        Assert.True(root.GetProperty("durationMs").GetDouble() > 0);
        JsonElement fences = root.GetProperty("fences");
        Assert.Equal(400, fences.GetProperty("submitted").GetInt32());
        Assert.Equal(400, fences.GetProperty("ok").GetInt32());
        Assert.Equal(JsonValueKind.Object, fences.GetProperty("errors").ValueKind);
        Assert.Equal(0, fences.GetProperty("unsignaled").GetInt32());
        foreach (string? engine in new[] { "rcs0", "bcs0", "vcs0", "vecs0", "ccs0" })
        {
            JsonElement e = root.GetProperty("engines").GetProperty(engine);
            Assert.True(e.GetProperty("requests").GetInt32() > 0);
            Assert.Equal(0, e.GetProperty("resets").GetInt32());
        }
        JsonElement resets = root.GetProperty("resets");
        foreach (string? name in new[] { "engine", "full", "failed" })
        {
            Assert.Equal(0, resets.GetProperty(name).GetInt32());
        }

        Assert.False(root.GetProperty("wedged").GetBoolean());
        Assert.Equal(1200, root.GetProperty("checks").GetProperty("storesVerified").GetInt32());
        Assert.Equal(0, root.GetProperty("checks").GetProperty("storesMismatched").GetInt32());
        JsonElement ctx = Assert.Single(root.GetProperty("contexts").EnumerateArray());
        Assert.Equal("a", ctx.GetProperty("client").GetString());
        Assert.Equal(0, ctx.GetProperty("id").GetInt32());
        Assert.Equal(0, ctx.GetProperty("guilty").GetInt32());
        Assert.Equal(0, ctx.GetProperty("innocent").GetInt32());
        Assert.False(ctx.GetProperty("banned").GetBoolean());
        Assert.Equal(0, root.GetProperty("errorStates").GetInt32());
        Assert.Equal(0, root.GetProperty("wedgeEvents").GetInt32());
        Assert.True(root.GetProperty("expect").GetProperty("passed").GetBoolean());
        Assert.Empty(root.GetProperty("expect").GetProperty("failures").EnumerateArray());
    }

    [Fact]
    public void FailedExpectationExitsOneAndIsListed()
    {
        string scenario = Write("s.json", DefaultScenarioTests.TinyScenario.Replace("\"ok\": \"all\"", "\"ok\": 3", StringComparison.Ordinal));

        (int code, string? output, string _) = Run("run", "--scenario", scenario);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("$.expect.fences.ok: expected 3, got 400", output);
        Assert.Contains("FAIL", output);
    }

    [Fact]
    public void HangRunWritesErrorStateAndKernelStyleLog()
    {
        string log = Path.Combine(_dir, "gpusim.log");
        string errors = Path.Combine(_dir, "error.txt");

        (int code, string? output, string? err) = Run("run", "--scenario", ScenarioFiles.Path("hang-engine-reset"), "--log", log, "--error-state", errors);

        Assert.True(code == ExitCodes.Ok, err + output);
        // The sysfs error file's format (i915_gpu_error.c): the error message first, the PCI ID, the engine blocks.
        string[] dump = File.ReadAllLines(errors);
        Assert.StartsWith("GPU HANG: ecode 9:1:", dump[0]);
        Assert.Contains("PCI ID: 0x1912", dump);
        Assert.Contains("rcs0 command stream:", dump);
        // The hang is a warning: it reaches the console even without -v, in the kernel's format, naming the engine.
        Assert.Matches(@"^\[\s*\d+\.\d{6}\] gpusim rcs0: GPU HANG: ", err);
        string[] lines = File.ReadAllLines(log);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\[\s*\d+\.\d{6}\] gpusim rcs0: Resetting rcs0 for preemption time out$"));
        Assert.All(lines.Where(l => l.StartsWith('[')), l => Assert.Equal(']', l[13]));
    }

    [Fact]
    public void CleanRunPrintsNoLogLinesWithoutVerbose()
    {
        (int code, string _, string? err) = Run("run", "--scenario", Write("s.json", DefaultScenarioTests.TinyScenario));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", err);
    }

    [Fact]
    public void RedirectedSummaryHasNoAnsiEscapes()
    {
        (int _, string? output, string _) = Run("run", "--scenario", Write("s.json", DefaultScenarioTests.TinyScenario));

        Assert.DoesNotContain("\u001b[", output);
        Assert.Contains("Engine", output);
        Assert.Contains("verified", output);
    }
}
