using System.Globalization;
using System.Xml.Linq;
using Driver.Sim.Bench;
using Driver.Sim.Cli;
using Driver.Sim.Tests.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Bench;

/// <summary>
/// <c>gpusim bench</c>'s <c>scale</c> group (issue 17 item 5), run at a tiny size: seven series (throughput and latency
/// against engines, clients and contexts; recovery against queued requests), each with a finite growth exponent, a
/// well-formed table and a log-log SVG with one line per series. Not a timed test: the figures are not judged.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class ScaleGroupTests
{
    private static readonly ScaleSizes s_tiny = new()
    {
        Engines = [1, 2],
        Clients = [1, 2],
        Contexts = [1, 4],
        Queued = [1, 10],
        Requests = 200,
        InFlight = 8,
        Repetitions = 1,
    };

    private static (ScaleReport Report, IReadOnlyList<BenchFigure> Figures) RunTiny()
    {
        ScaleReport? report = null;
        var settings = new BenchSettings(Quick: true) { Scale = s_tiny, ScaleReported = r => report = r };
        IReadOnlyList<BenchFigure> figures = BenchSuite.Run(settings, ["scale"]);
        Assert.NotNull(report);
        return (report, figures);
    }

    [Fact]
    public void TheScaleGroupReportsSevenSeriesWithFiniteExponentsATableAndAnSvgPlot()
    {
        (ScaleReport report, IReadOnlyList<BenchFigure> figures) = RunTiny();

        Assert.Equal(
            ["engines-throughput", "engines-latency", "clients-throughput", "clients-latency", "contexts-throughput", "contexts-latency", "queued-recovery"],
            report.Series.Select(s => s.Id));
        foreach (ScaleSeries s in report.Series)
        {
            Assert.Equal(2, s.Points.Count);
            Assert.All(s.Points, p => Assert.True(p.Value > 0 && double.IsFinite(p.Value), $"{s.Id} at {p.N}: {p.Value}"));
            Assert.True(double.IsFinite(s.Exponent), $"{s.Id}: exponent {s.Exponent}");
        }

        Assert.Equal(report.Series.Select(s => $"scale-{s.Id}"), figures.Select(f => f.Id));
        Assert.All(figures, f => Assert.True(double.IsFinite(f.Value.Median)));

        // The table: a header, a separator and one row per series, every line with as many cells.
        string[] lines = report.ToTable().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2 + report.Series.Count, lines.Length);
        int cells = lines[0].Count(c => c == '|');
        Assert.All(lines, l => Assert.Equal(cells, l.Count(c => c == '|')));
        Assert.All(report.Series, s => Assert.Contains(s.Title, report.ToTable()));

        // The SVG parses as XML: an svg root, one series group per series, its exponent and its points.
        var svg = XDocument.Parse(ScaleSvgWriter.ToSvg(report));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        var groups = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(report.Series.Select(s => s.Id), groups.Select(g => (string?)g.Attribute("data-id")));
        foreach (XElement g in groups)
        {
            double k = double.Parse((string)g.Attribute("data-exponent")!, CultureInfo.InvariantCulture);
            Assert.True(double.IsFinite(k));
            string[] points = ((string)g.Element(ns + "polyline")!.Attribute("points")!).Split(' ');
            Assert.Equal(2, points.Length);
            Assert.Equal(2, g.Elements(ns + "circle").Count());
        }
    }

    [Fact]
    public void TheGrowthExponentIsTheSlopeOfLogCostAgainstLogN()
    {
        Assert.Equal(1.0, ScaleSeries.Fit([new(1, 3), new(10, 30), new(100, 300)]), 9);
        Assert.Equal(0.0, ScaleSeries.Fit([new(10, 5), new(1000, 5)]), 9);
        Assert.Equal(-0.5, ScaleSeries.Fit([new(1, 100), new(100, 10)]), 9);
        Assert.True(double.IsNaN(ScaleSeries.Fit([new(5, 1)])), "one point has no slope");
        Assert.True(double.IsNaN(ScaleSeries.Fit([new(5, 1), new(5, 2)])), "one size has no slope");
    }

    [Fact]
    public void SvgWithAnOnlyThatLeavesOutTheScaleGroupIsAUsageError()
    {
        (int code, string output, string err) = Gpusim.Run("bench", "--allow-debug", "--quick", "--only", "reset", "--svg", Path.Combine(Path.GetTempPath(), "never.svg"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("--svg plots the scale group", err);
    }

    /// <summary>
    /// A series with fewer than two usable points has no exponent (NaN), and --json writes it as null: JSON has no NaN,
    /// and System.Text.Json throws on one, which would end a whole bench run without its file (found by review12).
    /// </summary>
    [Fact]
    public void ASeriesWithoutAnExponentIsWrittenToJsonAsNull()
    {
        var series = new ScaleSeries { Id = "x", Title = "x", Size = "n", Unit = "ns", Points = [new ScalePoint(1, 5.0)] };
        Assert.True(double.IsNaN(series.Exponent));
        string json = System.Text.Json.JsonSerializer.Serialize(series);
        Assert.Contains("\"exponent\":null", json);
    }
}
