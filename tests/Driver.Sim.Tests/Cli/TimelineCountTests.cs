using System.Text.Json;
using System.Text.RegularExpressions;
using Driver.Sim.Cli;
using Driver.Sim.Results;
using Driver.Sim.Tests.Scenarios;
using Driver.Sim.Tests.Tracing;
using Driver.Sim.Tracing;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// The SVG timeline's heading counts resets as the results JSON does (issue 18: it said "0 full resets" where the JSON
/// said 1, for a full reset that failed and wedged), and a trace that dropped requests says so on the console.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed partial class TimelineCountTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-timeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("wedge")]
    [InlineData("hang-full-reset")]
    [InlineData("hang-engine-reset")]
    public void TheHeadingAgreesWithTheResultsJson(string scenario)
    {
        string json = Path.Combine(_dir, "r.json");
        string svg = Path.Combine(_dir, "t.svg");

        (int code, string output, string err) = Gpusim.Run("run", "--scenario", ScenarioFiles.Path(scenario), "--json", json, "--timeline", svg, "--quiet");

        Assert.True(code == ExitCodes.Ok, output + err);
        JsonElement resets = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("resets");
        string heading = File.ReadAllText(svg);
        Assert.Equal(resets.GetProperty("full").GetInt32(), Count(heading, "full reset"));
        Assert.Equal(resets.GetProperty("engine").GetInt32(), Count(heading, "engine reset"));
        Assert.Equal(resets.GetProperty("failed").GetInt32(), Count(heading, "failed reset"));
    }

    [Fact]
    public void AModelWithoutDeviceCountersCountsItsSlices()
    {
        TraceModel model = SyntheticTraces.Build();

        string svg = SvgTimelineWriter.ToSvg(model);
        string withCounters = SvgTimelineWriter.ToSvg(model with { Resets = new ResetCounts(0, 2, 1) });

        Assert.Equal(1, Count(svg, "full reset"));
        Assert.Equal(2, Count(withCounters, "full reset"));
        Assert.Equal(1, Count(withCounters, "failed reset"));
    }

    [Fact]
    public void DroppedRequestsAreReportedOnTheConsole()
    {
        var stderr = new StringWriter();

        TraceNotes.ReportDropped(0, stderr);
        Assert.Equal("", stderr.ToString());

        TraceNotes.ReportDropped(1234, stderr);
        Assert.Equal($"gpusim: warning: the trace left out 1,234 requests: it keeps the first 500,000 (hangs, resets and wedges are all kept){Environment.NewLine}", stderr.ToString());
    }

    /// <summary>The count the heading gives for <paramref name="what"/> ("1 full reset", "0 full resets"); 0 when absent.</summary>
    private static int Count(string svg, string what)
    {
        Match m = Regex.Match(svg, $@"(\d[\d,]*) {what}s?\b(?! at)");
        return m.Success ? int.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
