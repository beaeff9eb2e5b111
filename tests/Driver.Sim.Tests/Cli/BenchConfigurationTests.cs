using System.Text.Json;
using Driver.Sim.Bench;
using Driver.Sim.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// <c>bench</c> (issue 18): a Debug build refuses with the exact Release command to run instead (its figures would
/// be 2-3x off), and the JSON records which build measured.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class BenchConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ADebugBuildRefusesWithTheReleaseCommand()
    {
        // xunit 2 has no dynamic skip; a Release test run has nothing to refuse here.
        if (BenchCommand.Configuration != "Debug")
        {
            return;
        }

        (int code, string output, string err) = Gpusim.Run("bench", "--quick", "--only", "reset");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("gpusim: error: this gpusim is a Debug build", err);
        Assert.Contains("dotnet run -c Release --project ", err);
        Assert.Contains(" -- bench --quick --only reset", err);
    }

    [Fact]
    public void TheReleaseCommandRepeatsTheArgumentsQuotedWhereNeeded()
    {
        string command = BenchCommand.ReleaseCommand(["--json", "my figures.json", "--allow-debug", "--quick"]);

        Assert.StartsWith("dotnet run -c Release --project ", command);
        Assert.EndsWith(" -- bench --json 'my figures.json' --quick", command);
    }

    [Fact]
    public void TheJsonRecordsTheBuildConfiguration()
    {
        string json = Path.Combine(_dir, "bench.json");

        (int code, string output, string err) = Gpusim.Run("bench", "--allow-debug", "--quick", "--only", "reset", "--quiet", "--json", json);

        Assert.True(code == ExitCodes.Ok, output + err);
        Assert.Contains($"({BenchCommand.Configuration} build)", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(BenchCommand.Configuration, doc.RootElement.GetProperty("configuration").GetString());
        Assert.Contains(BenchCommand.Configuration, new[] { "Debug", "Release" });
    }
}
