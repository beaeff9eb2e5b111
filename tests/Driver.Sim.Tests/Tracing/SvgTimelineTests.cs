using System.Globalization;
using System.Xml.Linq;
using Driver.Core.Hw;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Tracing;

/// <summary>The SVG timeline of hang-engine-reset: well-formed, self-contained, and drawing what the run did.</summary>
[Collection(ScenarioCollection.Name)]
public sealed class SvgTimelineTests(HangEngineResetTrace run) : IClassFixture<HangEngineResetTrace>
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";
    private readonly XElement _root = XDocument.Parse(run.Svg).Root!;

    private IEnumerable<XElement> All(string name) => _root.Descendants(s_svg + name);

    private static string? Attr(XElement e, string name) => e.Attribute(name)?.Value;

    [Fact]
    public void IsAnSvgDocumentWithASizeAndATitle()
    {
        Assert.Equal(s_svg + "svg", _root.Name);
        Assert.True(double.Parse(Attr(_root, "width")!, CultureInfo.InvariantCulture) > 0);
        Assert.True(double.Parse(Attr(_root, "height")!, CultureInfo.InvariantCulture) > 0);
        Assert.StartsWith("0 0 ", Attr(_root, "viewBox"));
        Assert.Contains("hang-engine-reset", _root.Element(s_svg + "title")!.Value);
    }

    [Fact]
    public void IsSelfContained()
    {
        foreach (XElement e in _root.DescendantsAndSelf())
        {
            foreach (XAttribute a in e.Attributes())
            {
                Assert.NotEqual("href", a.Name.LocalName);
                if (a.Value.Contains("url("))
                {
                    Assert.StartsWith("url(#", a.Value);
                }
            }
        }

        Assert.Empty(All("image"));
        Assert.Empty(All("script"));
    }

    [Fact]
    public void HasOneRowPerEngineAndARecoveryRow()
    {
        XElement[] rows = All("g").Where(g => Attr(g, "class") == "row").ToArray();
        Assert.Equal(EngineIds.All.Select(e => e.Name()), rows.Where(r => Attr(r, "data-kind") == "engine").Select(r => Attr(r, "data-engine")));
        Assert.Single(rows, r => Attr(r, "data-kind") == "recovery");
    }

    [Fact]
    public void BarsAccountForEveryRequestOfEachEngine()
    {
        foreach ((string? engine, Results.EngineCounts? counts) in run.Result.Engines)
        {
            XElement row = All("g").Single(g => Attr(g, "data-engine") == engine && Attr(g, "class") == "row");
            IEnumerable<XElement> bars = row.Elements(s_svg + "rect").Where(r => Attr(r, "class")?.StartsWith("request") == true);
            Assert.Equal(counts.Requests, bars.Sum(b => int.Parse(Attr(b, "data-count")!, CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Rcs0ShowsTheGuiltyRequestTheReplaysTheHangAndTheReset()
    {
        XElement row = All("g").Single(g => Attr(g, "data-engine") == "rcs0" && Attr(g, "class") == "row");
        XElement[] bars = row.Elements(s_svg + "rect").Where(r => Attr(r, "data-outcome") is not null).ToArray();
        Assert.Equal(1, bars.Where(b => Attr(b, "data-outcome") == "eio").Sum(b => int.Parse(Attr(b, "data-count")!, CultureInfo.InvariantCulture)));
        Assert.Contains(bars, b => Attr(b, "data-outcome") == "ok-replayed");
        Assert.Contains(All("path"), p => Attr(p, "data-kind") == "hang" && Attr(p, "data-engine") == "rcs0");
        Assert.Contains(All("rect"), r => Attr(r, "data-kind") == "engine-reset" && Attr(r, "data-engine") == "rcs0");
        Assert.Contains(All("text"), t => t.Value.Contains("replayed"));
        foreach (string? engine in new[] { "bcs0", "vcs0", "vecs0", "ccs0" })
        {
            Assert.DoesNotContain(All("path"), p => Attr(p, "data-kind") == "hang" && Attr(p, "data-engine") == engine);
            XElement other = All("g").Single(g => Attr(g, "data-engine") == engine && Attr(g, "class") == "row");
            Assert.All(other.Elements(s_svg + "rect").Where(r => Attr(r, "data-outcome") is not null), b => Assert.Equal("ok", Attr(b, "data-outcome")));
        }
    }

    [Fact]
    public void RecoveryRowHasTheEngineResetAndTheLegendNamesTheColours()
    {
        XElement recovery = All("g").Single(g => Attr(g, "data-kind") == "recovery");
        Assert.Single(recovery.Elements(s_svg + "rect"), r => Attr(r, "data-kind") == "engine-reset");
        Assert.Contains(recovery.Elements(s_svg + "text"), t => t.Value == "engine reset rcs0");
        XElement legend = All("g").Single(g => Attr(g, "class") == "legend");
        foreach (string? label in new[] { "ok", "-EIO (guilty / cancelled)", "engine reset", "full reset", "wedged", "hang detected" })
        {
            Assert.Contains(legend.Elements(s_svg + "text"), t => t.Value == label);
        }
    }
}
