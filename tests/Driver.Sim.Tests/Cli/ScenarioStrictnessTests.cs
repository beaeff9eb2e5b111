using Driver.Sim.Cli;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// Scenario files are plain JSON (issue 18): trailing commas, comments and duplicate keys are errors reported as
/// file:line: $.path: message, without System.Text.Json's internals; a directory is said to be one.
/// </summary>
public sealed class ScenarioStrictnessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-strict-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Err, string Path) Load(string json)
    {
        string path = Path.Combine(_dir, "s.json");
        File.WriteAllText(path, json);
        (int code, string _, string err) = Gpusim.Run("info", "--scenario", path);
        return (code, err, path);
    }

    [Theory]
    [InlineData("{\n  \"name\": \"x\",\n  \"clients\": [ { \"name\": \"a\" }, ],\n  \"phases\": [] }", 3, "$.clients[1]", "trailing comma before ']' (not allowed in JSON)")]
    [InlineData("{\n  \"name\": \"x\",\n  \"clients\": [],\n  \"phases\": [],\n}", 5, "$", "trailing comma before '}' (not allowed in JSON)")]
    [InlineData("{\n  \"name\": \"x\", // the name\n  \"clients\": [], \"phases\": [] }", 2, "$", "comments are not allowed in a scenario file (it is plain JSON)")]
    [InlineData("/* header */\n{ \"name\": \"x\" }", 1, "$", "comments are not allowed in a scenario file (it is plain JSON)")]
    [InlineData("{ \"name\": \"x\",\n  \"device\": { \"heartbeatMs\": 100,\n    \"heartbeatMs\": 200 } }", 3, "$.device.heartbeatMs", "duplicate key \"heartbeatMs\" (first on line 2)")]
    [InlineData("{ \"name\": \"x\", \"phases\": [ { \"steps\": [] }, { \"steps\": [], \"steps\": [] } ] }", 1, "$.phases[1].steps", "duplicate key \"steps\" (first on line 1)")]
    [InlineData("", 1, "$", "the file is empty (a scenario is a JSON object)")]
    [InlineData("{ \"name\": \"x\", \"clients\": [", 1, "$.clients[0]", "the file ends before the JSON does")]
    [InlineData("{ \"name\": \"x\"\u0001 }", 1, "$", "expected ',' or the end of the object or array, found the control character U+0001")]
    public void NotPlainJsonIsAnErrorWithLineAndPath(string json, int line, string path, string message)
    {
        (int code, string err, string file) = Load(json);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"gpusim: error: {file}:{line}: {path}: {message}", err);
        Gpusim.AssertNoInternals(err);
        // No byte values from the reader's internals: checked with the file's (random) temporary path taken out,
        // which may itself contain "0x".
        Assert.DoesNotContain("0x", err.Replace(file, "FILE"));
    }

    [Fact]
    public void ADirectoryIsSaidToBeOne()
    {
        (int code, string _, string err) = Gpusim.Run("run", "--scenario", _dir);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal($"gpusim: error: {_dir}: is a directory, not a scenario file{Environment.NewLine}", err);
    }

    [Fact]
    public void AMissingFileIsSaidToBeMissing()
    {
        string missing = Path.Combine(_dir, "nope.json");

        (int code, string _, string err) = Gpusim.Run("run", "--scenario", missing);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal($"gpusim: error: {missing}: no such file{Environment.NewLine}", err);
    }

    [Fact]
    public void EveryShippedScenarioIsPlainJson()
    {
        foreach (string file in Directory.GetFiles(Scenarios.ScenarioFiles.Directory, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)))
        {
            Assert.Null(Driver.Sim.Scenarios.Json.JsonSyntax.Check(File.ReadAllText(file)));
        }
    }

    [Fact]
    public void AnEndlessScenarioFileIsRefusedNotReadIntoMemory()
    {
        // A --scenario that is no bounded file (a device, a pipe that never ends, a multi-gigabyte log given by
        // mistake) is a bad scenario file: exit 2 naming it, after reading no more than a scenario could hold, not
        // gigabytes of memory and an internal error (OutOfMemoryException, exit 70).
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        (int code, string _, string err) = Gpusim.Run("info", "--scenario", "/dev/zero");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("gpusim: error: /dev/zero", err);
        Gpusim.AssertNoInternals(err);
    }
}
