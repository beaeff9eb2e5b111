using System.Text.Json;
using Driver.Sim.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// Output paths (issue 18): checked before any work, exit 2 naming the option and the path; <c>-</c> is stdout; one
/// path for two outputs is refused; a run that does not finish leaves an existing output file as it was.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class OutputPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string Tiny()
    {
        string path = PathOf("tiny.json");
        File.WriteAllText(path, DefaultScenarioTests.TinyScenario);
        return path;
    }

    /// <summary>A path whose directory cannot exist: it is under a regular file.</summary>
    private string UnderAFile(string name)
    {
        string file = PathOf("a-file");
        File.WriteAllText(file, "x");
        return Path.Combine(file, name);
    }

    [Theory]
    [InlineData("igt", "--results")]
    [InlineData("igt", "--trace")]
    [InlineData("run", "--json")]
    [InlineData("run", "--timeline")]
    [InlineData("run", "--error-state")]
    [InlineData("soak", "--json")]
    [InlineData("bench", "--json")]
    [InlineData("vulkan-smoke", "--json")]
    [InlineData("glitch", "--json")]
    public void AnUnwritableOutputIsRefusedBeforeAnyWork(string command, string option)
    {
        string bad = UnderAFile("out");
        // --allow-debug: the test build is Debug, and bench would refuse that first.
        string[] args = command == "bench" ? [command, "--allow-debug", option, bad] : [command, option, bad];

        (int code, string output, string err) = Gpusim.Run(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains($"gpusim: error: cannot write the ", err);
        Assert.Contains($"({option}) to '{bad}'", err);
        Assert.Contains("is a file, not a directory", err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void IgtResultsNamingAnExistingFileIsRefused()
    {
        string file = PathOf("results");
        File.WriteAllText(file, "keep");

        (int code, string output, string err) = Gpusim.Run("igt", "--run-subtest", "gem_eio@throttle", "--results", file);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.DoesNotContain("IGT-Version", output);
        Assert.Contains($"cannot write the results (--results) to '{file}': it is an existing file, not a directory", err);
        Assert.Equal("keep", File.ReadAllText(file));
    }

    [Fact]
    public void AMissingDirectoryIsNamed()
    {
        string missing = PathOf("no/such/dir/r.json");

        (int code, string _, string err) = Gpusim.Run("run", "--scenario", Tiny(), "--json", missing);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"no such directory '{Path.GetDirectoryName(missing)}'", err);
    }

    [Fact]
    public void OnePathForTwoOutputsIsRefused()
    {
        string same = PathOf("same.json");

        (int code, string _, string err) = Gpusim.Run("run", "--scenario", Tiny(), "--json", same, "--trace", same);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"gpusim: error: --json and --trace both name '{same}'", err);
        Assert.False(File.Exists(same));
    }

    [Fact]
    public void TwoOutputsOnStdoutAreRefused()
    {
        (int code, string _, string err) = Gpusim.Run("run", "--scenario", Tiny(), "--json", "-", "--timeline", "-");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--json and --timeline both name '-'", err);
    }

    [Fact]
    public void JsonDashIsStdoutAndTheSummaryMovesToStderr()
    {
        (int code, string output, string err) = Gpusim.Run("run", "--scenario", Tiny(), "--json", "-", "--seed", "3");

        Assert.True(code == ExitCodes.Ok, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(3, doc.RootElement.GetProperty("seed").GetInt32());
        Assert.Contains("Result: PASS", err);
        Assert.False(File.Exists("-"));
    }

    [Fact]
    public void ASkippedRunLeavesAnExistingJsonFileAsItWas()
    {
        // A Vulkan engine on device 63: skipped (77) on any machine, with Vulkan or without.
        string scenario = PathOf("vk.json");
        File.WriteAllText(scenario, """
            { "name": "vk", "device": { "vkDevice": 63, "engines": { "rcs0": { "backend": "vulkan" } } },
              "clients": [ { "name": "a" } ],
              "phases": [ { "steps": [ { "type": "batches", "client": "a", "count": 1, "engines": ["rcs0"] } ] } ] }
            """);
        string json = PathOf("results.json");
        File.WriteAllText(json, "{ \"previous\": true }");

        (int code, string _, string err) = Gpusim.Run("run", "--scenario", scenario, "--json", json, "--quiet");

        Assert.Equal(ExitCodes.Skipped, code);
        Assert.StartsWith("gpusim: skipped: ", err);
        Assert.Equal("{ \"previous\": true }", File.ReadAllText(json));
    }

    [Fact]
    public void AWriteThatFailsHalfwayLeavesTheOldFileAndNoTemporary()
    {
        string path = PathOf("out.json");
        File.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => OutputFile.Write(path, s =>
        {
            s.Write("partial"u8);
            throw new InvalidOperationException("the writer broke");
        }, TextWriter.Null));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
