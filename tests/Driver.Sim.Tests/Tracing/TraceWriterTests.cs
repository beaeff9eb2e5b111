using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Driver.Sim.Tracing;

namespace Driver.Sim.Tests.Tracing;

/// <summary>The writers on hand-made models: exact Chrome event shapes, SVG coalescing and marks, lanes.</summary>
public sealed class TraceWriterTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void ChromeTraceHasMetadataCompleteAndInstantEventsInMicroseconds()
    {
        TraceModel model = SyntheticTraces.Build();
        using var doc = JsonDocument.Parse(ChromeTraceWriter.ToJson(model));
        JsonElement root = doc.RootElement;
        Assert.Equal("synthetic \"<quoted>\" & co", root.GetProperty("otherData").GetProperty("title").GetString());
        JsonElement[] events = root.GetProperty("traceEvents").EnumerateArray().ToArray();

        Assert.Equal(model.Tracks.Count, events.Count(e => e.GetProperty("name").GetString() == "thread_name"));
        Assert.Equal(model.Tracks.Count, events.Count(e => e.GetProperty("name").GetString() == "thread_sort_index"));
        Assert.Equal(model.Slices.Count, events.Count(e => e.GetProperty("ph").GetString() == "X"));

        JsonElement guilty = events.Single(e => e.GetProperty("ph").GetString() == "X"
            && e.GetProperty("args").TryGetProperty("status", out JsonElement status) && status.GetString() == "-EIO");
        Assert.Equal(2000, guilty.GetProperty("ts").GetDouble());
        Assert.Equal(5000, guilty.GetProperty("dur").GetDouble());
        Assert.Equal(1, guilty.GetProperty("tid").GetInt32());
        Assert.Equal(1001, guilty.GetProperty("args").GetProperty("seqno").GetInt64());

        JsonElement[] instants = events.Where(e => e.GetProperty("ph").GetString() == "i").ToArray();
        Assert.Equal(3, instants.Length);
        Assert.Equal("g", instants.Single(e => e.GetProperty("cat").GetString() == "wedge").GetProperty("s").GetString());
        Assert.All(instants.Where(e => e.GetProperty("cat").GetString() == "hang"), e => Assert.Equal("t", e.GetProperty("s").GetString()));
    }

    [Fact]
    public void SvgMergesTinyNeighboursButCountsEveryRequest()
    {
        XElement root = XDocument.Parse(SvgTimelineWriter.ToSvg(SyntheticTraces.Build())).Root!;
        XElement rcs0 = root.Descendants(s_svg + "g").Single(g => (string?)g.Attribute("data-engine") == "rcs0" && (string?)g.Attribute("class") == "row");
        XElement[] bars = rcs0.Elements(s_svg + "rect").Where(r => r.Attribute("data-outcome") is not null).ToArray();

        XElement[] ok = bars.Where(b => (string?)b.Attribute("data-outcome") == "ok").ToArray();
        Assert.Equal(1000, ok.Sum(b => int.Parse((string)b.Attribute("data-count")!, CultureInfo.InvariantCulture)));
        Assert.True(ok.Length < 10, $"1000 requests within 1 ms drawn as {ok.Length} bars");
        Assert.Single(bars, b => (string?)b.Attribute("data-outcome") == "eio");
        XElement bcs0 = root.Descendants(s_svg + "g").Single(g => (string?)g.Attribute("data-engine") == "bcs0" && (string?)g.Attribute("class") == "row");
        Assert.Single(bcs0.Elements(s_svg + "rect"), b => (string?)b.Attribute("data-outcome") == "eagain");
    }

    [Fact]
    public void SvgMarksFullResetsAndWedgesAcrossTheRowsAndEscapesText()
    {
        string svg = SvgTimelineWriter.ToSvg(SyntheticTraces.Build());
        XElement root = XDocument.Parse(svg).Root!;
        XElement[] marks = root.Descendants(s_svg + "rect").Where(r => ((string?)r.Attribute("class"))?.StartsWith("mark") == true).ToArray();
        Assert.Single(marks, m => (string?)m.Attribute("data-kind") == "full-reset");
        XElement wedged = Assert.Single(marks, m => (string?)m.Attribute("data-kind") == "wedged");
        Assert.Equal("url(#wedged-hatch)", (string?)wedged.Attribute("fill"));
        Assert.NotNull(root.Descendants(s_svg + "pattern").SingleOrDefault(p => (string?)p.Attribute("id") == "wedged-hatch"));
        Assert.Contains(root.Descendants(s_svg + "path"), p => (string?)p.Attribute("data-kind") == "hang" && (string?)p.Attribute("data-engine") == "rcs0");
        Assert.Contains("synthetic \"<quoted>\" & co", root.Element(s_svg + "title")!.Value);
    }

    [Fact]
    public void SvgOfAnEmptyTraceIsStillADocument()
    {
        TraceModel empty = SyntheticTraces.Build() with { Slices = [], Instants = [], DurationUs = 0 };
        XElement root = XDocument.Parse(SvgTimelineWriter.ToSvg(empty)).Root!;
        Assert.Equal(5, root.Descendants(s_svg + "g").Count(g => (string?)g.Attribute("data-kind") == "engine"));
    }

    [Fact]
    public void LanesKeepOverlappingPeriodsApart()
    {
        int[] lanes = LaneAssigner.Assign([(0, 10), (5, 15), (10, 20), (12, 13), (30, 40)]);
        Assert.Equal([0, 1, 0, 2, 0], lanes);
    }
}
