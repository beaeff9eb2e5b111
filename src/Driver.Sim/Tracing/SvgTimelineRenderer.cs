using System.Globalization;
using System.Xml;

namespace Driver.Sim.Tracing;

/// <summary>Lays out and draws one SVG timeline (see <see cref="SvgTimelineWriter"/>).</summary>
internal sealed class SvgTimelineRenderer
{
    private const double Width = 1200, Left = 110, Right = 24, Top = 60, RowHeight = 26, RowGap = 6;
    private const double PlotWidth = Width - Left - Right;
    private const string Svg = "http://www.w3.org/2000/svg";

    private readonly TraceModel _model;
    private readonly List<TraceTrack> _engineRows;
    private readonly double _duration;
    private readonly List<(IReadOnlyList<Bar> Bars, double Y)> _labelledRows = new();
    private XmlWriter _w = null!;

    public SvgTimelineRenderer(TraceModel model)
    {
        _model = model;
        _engineRows = model.Tracks.Where(t => t.Kind == TrackKind.Engine).ToList();
        // A little room after the end, so what happened last (often the replays after a reset) is not on the edge.
        _duration = Math.Max(model.DurationUs * 1.03, 1);
    }

    private double RowY(int row) => Top + row * (RowHeight + RowGap);
    private double RecoveryRowY => RowY(_engineRows.Count);
    private double RowsBottom => RecoveryRowY + RowHeight;
    private double AxisY => RowsBottom + 10;
    private double LegendY => AxisY + 34;
    private double X(double us) => Left + Math.Clamp(us / _duration, 0, 1) * PlotWidth;

    public void Render(TextWriter output)
    {
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, CloseOutput = false };
        using (_w = XmlWriter.Create(output, settings))
        {
            double height = LegendY + 2 * 20 + 12;
            _w.WriteStartElement("svg", Svg);
            Attr("width", Width);
            Attr("height", height);
            _w.WriteAttributeString("viewBox", $"0 0 {N(Width)} {N(height)}");
            _w.WriteAttributeString("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif");
            _w.WriteAttributeString("font-size", "11");
            Element("title", $"gpusim timeline: {Heading()}");
            Defs();
            Rect("background", 0, 0, Width, height, "#ffffff");
            Text(12, 22, $"gpusim — {Heading()}", ("font-size", "15"), ("font-weight", "bold"));
            Text(12, 42, Summary(), ("fill", "#424242"));
            Grid();
            for (int i = 0; i < _engineRows.Count; i++)
            {
                EngineRow(i);
            }

            RecoveryRow();
            Marks();
            Labels();
            Axis();
            Legend();
            _w.WriteEndElement();
        }
    }

    private string Heading() => _model.Title + (_model.Seed is { } s ? $" (seed {s})" : "");

    private string Summary()
    {
        int requests = _model.Requests.Count();
        // The device's counters when recorded from one, so the heading agrees with the results JSON: a full reset
        // that failed (and wedged) counts there, and as a failed reset, but draws no full-reset band: it never completed.
        int engineResets = _model.Resets?.Engine ?? _model.Slices.Count(s => s.Kind == TraceSliceKind.EngineReset);
        int fullResets = _model.Resets?.Full ?? _model.Slices.Count(s => s.Kind == TraceSliceKind.FullReset);
        int failedResets = _model.Resets?.Failed ?? _model.Instants.Count(i => i.Kind == TraceInstantKind.ResetFailed);
        int wedges = _model.Slices.Count(s => s.Kind == TraceSliceKind.Wedged);
        int hangs = _model.Instants.Count(i => i.Kind == TraceInstantKind.Hang && i.TrackId == TrackOf(TrackKind.Reset));
        int errors = _model.Requests.Count(r => r.Outcome is RequestOutcome.Io or RequestOutcome.Again or RequestOutcome.OtherError);
        string text = $"{Count(requests, "request")}, {errors:N0} with an error · {Count(hangs, "hang")} · {Count(engineResets, "engine reset")} · " +
            $"{Count(fullResets, "full reset")}{(failedResets > 0 ? $" · {Count(failedResets, "failed reset")}" : "")} · {Count(wedges, "wedged period")} · {Ms(_model.DurationUs)} ms";
        if (_model.DroppedRequests > 0)
        {
            text += $" · {_model.DroppedRequests:N0} requests not recorded";
        }

        return text;
    }

    private static string Count(int n, string what) => $"{n:N0} {what}{(n == 1 ? "" : "s")}";

    private int TrackOf(TrackKind kind) => _model.Tracks.FirstOrDefault(t => t.Kind == kind)?.Id ?? -1;

    private void Defs()
    {
        _w.WriteStartElement("defs");
        _w.WriteStartElement("pattern");
        _w.WriteAttributeString("id", "wedged-hatch");
        _w.WriteAttributeString("width", "6");
        _w.WriteAttributeString("height", "6");
        _w.WriteAttributeString("patternUnits", "userSpaceOnUse");
        _w.WriteAttributeString("patternTransform", "rotate(45)");
        Rect(null, 0, 0, 6, 6, "#e0e0e0");
        _w.WriteStartElement("line");
        _w.WriteAttributeString("x1", "0");
        _w.WriteAttributeString("y1", "0");
        _w.WriteAttributeString("x2", "0");
        _w.WriteAttributeString("y2", "6");
        _w.WriteAttributeString("stroke", SvgPalette.Wedged);
        _w.WriteAttributeString("stroke-width", "2");
        _w.WriteEndElement();
        _w.WriteEndElement();
        _w.WriteEndElement();
    }

    /// <summary>Faint vertical lines at each tick, under everything else.</summary>
    private void Grid()
    {
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "grid");
        foreach (double us in Ticks())
        {
            Line(X(us), Top - 2, X(us), RowsBottom, "#eeeeee");
        }

        _w.WriteEndElement();
    }

    private void EngineRow(int index)
    {
        TraceTrack track = _engineRows[index];
        double y = RowY(index);
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "row");
        _w.WriteAttributeString("data-kind", "engine");
        _w.WriteAttributeString("data-engine", track.Name);
        Text(Left - 10, y + RowHeight / 2 + 4, track.Name, ("text-anchor", "end"), ("font-weight", "bold"));
        Rect("lane", Left, y, PlotWidth, RowHeight, "#f5f5f5");
        var bars = Coalesce(_model.Slices.Where(s => s.TrackId == track.Id && s.Kind == TraceSliceKind.Request)).ToList();
        foreach (Bar? bar in bars)
        {
            RequestOutcome outcome = bar.Outcome;
            // Errors and replays are what the timeline is about: never let them shrink below a visible width.
            double x0 = X(bar.StartUs), x1 = Math.Max(X(bar.EndUs), x0 + (outcome == RequestOutcome.Ok ? 1 : 2));
            _w.WriteStartElement("rect");
            _w.WriteAttributeString("class", "request " + SvgPalette.ClassName(outcome));
            _w.WriteAttributeString("data-outcome", SvgPalette.ClassName(outcome));
            _w.WriteAttributeString("data-count", bar.Count.ToString(CultureInfo.InvariantCulture));
            Attr("x", x0);
            Attr("y", y + 3);
            Attr("width", x1 - x0);
            Attr("height", RowHeight - 6);
            _w.WriteAttributeString("fill", SvgPalette.Fill(outcome));
            if (outcome == RequestOutcome.Unsignaled)
            {
                _w.WriteAttributeString("stroke", "#424242");
            }

            Element("title", bar.Count == 1
                ? $"{track.Name}: {bar.First.Name}, seqno {bar.First.Args["seqno"]}, {bar.First.Args["status"]}, {Ms(bar.StartUs)}–{Ms(bar.EndUs)} ms"
                : $"{track.Name}: {bar.Count} requests, {SvgPalette.Label(outcome)}, {Ms(bar.StartUs)}–{Ms(bar.EndUs)} ms");
            _w.WriteEndElement();
        }
        Pulses(track, y);
        _labelledRows.Add((bars, y));
        _w.WriteEndElement();
    }

    /// <summary>
    /// Names the bars that are not plain successes (the guilty request, the replayed ones) when a row has only a few:
    /// inside a bar Wide enough, else beside it.
    /// </summary>
    private void Labels()
    {
        // Drawn last, over the reset and wedge marks, so they stay readable.
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "labels");
        foreach ((IReadOnlyList<Bar>? bars, double y) in _labelledRows)
        {
            LabelBars(bars, y);
        }

        _w.WriteEndElement();
    }

    private void LabelBars(IReadOnlyList<Bar> bars, double y)
    {
        // Bars of one outcome close together (the replays after a reset, split by a few other requests) get one label.
        var groups = new List<(Bar First, int Count, double EndUs)>();
        foreach (Bar? bar in bars.Where(b => b.Outcome != RequestOutcome.Ok))
        {
            if (groups.Count > 0 && groups[^1].First.Outcome == bar.Outcome && X(bar.StartUs) - X(groups[^1].EndUs) < 40
                && !IsWide(bar) && !(groups[^1].Count == 1 && IsWide(groups[^1].First)))
            {
                groups[^1] = (groups[^1].First, groups[^1].Count + bar.Count, Math.Max(groups[^1].EndUs, bar.EndUs));
            }
            else
            {
                groups.Add((bar, bar.Count, bar.EndUs));
            }
        }
        if (groups.Count == 0 || groups.Count > 6)
        {
            return;
        }

        double freeFrom = double.MinValue;
        foreach ((Bar? bar, int count, double endUs) in groups)
        {
            string text = count == 1 ? bar.First.Name : $"{count:N0} × {SvgPalette.Label(bar.Outcome)}";
            double x0 = X(bar.StartUs), x1 = Math.Max(X(endUs), x0 + 2), width = text.Length * 6.3;
            if (x1 - x0 >= width + 10)
            {
                Text(x0 + 5, y + RowHeight / 2 + 4, text, ("fill", "#ffffff"), ("font-weight", "bold"));
                freeFrom = x0 + 5 + width + 6;
                continue;
            }
            double tx = x1 + 4;
            if (tx + width > Left + PlotWidth)
            {
                tx = x0 - 4 - width;
            }

            if (tx < freeFrom || tx < Left)
            {
                continue;
            }

            Rect("label-background", tx - 2, y + 5, width + 4, RowHeight - 10, "#ffffff");
            Text(tx, y + RowHeight / 2 + 4, text, ("fill", "#212121"));
            freeFrom = tx + width + 6;
        }
    }

    /// <summary>A bar of one request a few pixels Wide (a spinner, a long batch): labelled on its own.</summary>
    private bool IsWide(Bar bar) => bar.Count == 1 && X(bar.EndUs) - X(bar.StartUs) >= 3;

    /// <summary>Heartbeat pulses of the row's engine: a thin line along the bottom of the row while each was pending.</summary>
    private void Pulses(TraceTrack engineTrack, double y)
    {
        var pulseTracks = _model.Tracks.Where(t => t.Kind == TrackKind.Heartbeat && t.Engine == engineTrack.Engine).Select(t => t.Id).ToHashSet();
        foreach (TraceSlice? p in _model.Slices.Where(s => s.Kind == TraceSliceKind.Pulse && pulseTracks.Contains(s.TrackId)))
        {
            double x0 = X(p.StartUs), x1 = Math.Max(X(p.EndUs), x0 + 1);
            _w.WriteStartElement("rect");
            _w.WriteAttributeString("class", "pulse");
            _w.WriteAttributeString("data-kind", "pulse");
            Attr("x", x0);
            Attr("y", y + RowHeight - 3);
            Attr("width", x1 - x0);
            Attr("height", 3);
            _w.WriteAttributeString("fill", SvgPalette.Pulse);
            Element("title", $"{engineTrack.Name} heartbeat pulse, pending {Ms(p.StartUs)}–{Ms(p.EndUs)} ms ({Ms(p.DurationUs)} ms), priority {p.Args["priority"]}");
            _w.WriteEndElement();
        }
    }

    /// <summary>
    /// Neighbouring slices of one outcome less than a pixel apart, merged into one bar; a slice a few pixels Wide (a
    /// spinner, a long batch) keeps a bar of its own.
    /// </summary>
    private IEnumerable<Bar> Coalesce(IEnumerable<TraceSlice> slices)
    {
        const double Wide = 3;
        Bar? bar = null;
        foreach (TraceSlice? s in slices.OrderBy(s => s.StartUs))
        {
            RequestOutcome outcome = s.Outcome ?? RequestOutcome.Ok;
            bool sliceWide = X(s.EndUs) - X(s.StartUs) >= Wide;
            bool barWide = bar is not null && bar.Count == 1 && X(bar.EndUs) - X(bar.StartUs) >= Wide;
            if (bar is not null && bar.Outcome == outcome && !sliceWide && !barWide && X(s.StartUs) <= X(bar.EndUs) + 1)
            {
                bar.Count++;
                bar.EndUs = Math.Max(bar.EndUs, s.EndUs);
                continue;
            }
            if (bar is not null)
            {
                yield return bar;
            }

            bar = new Bar(outcome, s, s.StartUs) { EndUs = s.EndUs, Count = 1 };
        }
        if (bar is not null)
        {
            yield return bar;
        }
    }

    private void RecoveryRow()
    {
        double y = RecoveryRowY;
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "row");
        _w.WriteAttributeString("data-kind", "recovery");
        Text(Left - 10, y + RowHeight / 2 + 4, "recovery", ("text-anchor", "end"), ("font-weight", "bold"));
        Rect("lane", Left, y, PlotWidth, RowHeight, "#f5f5f5");
        TraceSlice[] periods = _model.Slices.Where(s => s.Kind is TraceSliceKind.EngineReset or TraceSliceKind.FullReset or TraceSliceKind.Wedged).ToArray();
        bool label = periods.Length <= 12;
        double lastLabelEnd = double.MinValue;
        foreach (TraceSlice? p in periods.OrderBy(p => p.StartUs))
        {
            double x0 = X(p.StartUs), width = Math.Max(X(p.EndUs) - x0, 3);
            string kind = KindName(p.Kind);
            _w.WriteStartElement("rect");
            _w.WriteAttributeString("class", "recovery " + kind);
            _w.WriteAttributeString("data-kind", kind);
            Attr("x", x0);
            Attr("y", y + 3);
            Attr("width", width);
            Attr("height", RowHeight - 6);
            _w.WriteAttributeString("fill", p.Kind == TraceSliceKind.Wedged ? "url(#wedged-hatch)" : p.Kind == TraceSliceKind.FullReset ? SvgPalette.FullReset : SvgPalette.EngineReset);
            Element("title", $"{p.Name}: {Ms(p.StartUs)}–{Ms(p.EndUs)} ms ({Ms(p.DurationUs)} ms); {string.Join("; ", p.Args.Select(a => $"{a.Key} {a.Value}"))}");
            _w.WriteEndElement();
            if (label && x0 + width + 4 > lastLabelEnd)
            {
                string text = p.Name;
                double tx = x0 + width + 4;
                if (tx + text.Length * 6.5 > Left + PlotWidth)
                {
                    tx = x0 - 4 - text.Length * 6.5;
                }

                Text(tx, y + RowHeight / 2 + 4, text, ("fill", "#212121"));
                lastLabelEnd = tx + text.Length * 6.5 + 8;
            }
        }
        foreach (TraceInstant? hang in _model.Instants.Where(i => i.Kind == TraceInstantKind.Hang && i.TrackId == TrackOf(TrackKind.Reset)))
        {
            HangMarker(X(hang.Us), y, "recovery", hang);
        }

        _w.WriteEndElement();
    }

    private static string KindName(TraceSliceKind kind) => kind switch
    {
        TraceSliceKind.EngineReset => "engine-reset",
        TraceSliceKind.FullReset => "full-reset",
        _ => "wedged",
    };

    /// <summary>Resets and wedged periods across the engine rows they hit, and hang markers on the hung engines.</summary>
    private void Marks()
    {
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "marks");
        foreach (TraceSlice? p in _model.Slices.Where(s => s.Kind is TraceSliceKind.EngineReset or TraceSliceKind.FullReset or TraceSliceKind.Wedged))
        {
            double x0 = X(p.StartUs), width = Math.Max(X(p.EndUs) - x0, p.Kind == TraceSliceKind.Wedged ? 1 : 3);
            string kind = KindName(p.Kind);
            if (p.Kind == TraceSliceKind.EngineReset)
            {
                string[] engines = p.Args.TryGetValue("engines", out object? e) ? ((string)e).Split(',') : [];
                foreach (int row in Enumerable.Range(0, _engineRows.Count).Where(r => engines.Contains(_engineRows[r].Name)))
                {
                    Mark(kind, _engineRows[row].Name, x0, RowY(row), width, RowHeight, SvgPalette.EngineReset, 0.55, p);
                }
            }
            else
            {
                Mark(kind, null, x0, Top, width, RowsBottom - Top, p.Kind == TraceSliceKind.Wedged ? "url(#wedged-hatch)" : SvgPalette.FullReset,
                    p.Kind == TraceSliceKind.Wedged ? 0.6 : 0.3, p);
            }
        }
        foreach (TraceInstant? hang in _model.Instants.Where(i => i.Kind == TraceInstantKind.Hang))
        {
            int row = _engineRows.FindIndex(t => t.Id == hang.TrackId);
            if (row >= 0)
            {
                HangMarker(X(hang.Us), RowY(row), _engineRows[row].Name, hang);
            }
        }
        _w.WriteEndElement();
    }

    private void Mark(string kind, string? engine, double x, double y, double width, double height, string fill, double opacity, TraceSlice p)
    {
        _w.WriteStartElement("rect");
        _w.WriteAttributeString("class", "mark " + kind);
        _w.WriteAttributeString("data-kind", kind);
        if (engine is not null)
        {
            _w.WriteAttributeString("data-engine", engine);
        }

        Attr("x", x);
        Attr("y", y);
        Attr("width", width);
        Attr("height", height);
        _w.WriteAttributeString("fill", fill);
        _w.WriteAttributeString("fill-opacity", N(opacity));
        Element("title", $"{p.Name} at {Ms(p.StartUs)} ms, {Ms(p.DurationUs)} ms");
        _w.WriteEndElement();
    }

    private void HangMarker(double x, double y, string where, TraceInstant hang)
    {
        _w.WriteStartElement("path");
        _w.WriteAttributeString("class", "mark hang");
        _w.WriteAttributeString("data-kind", "hang");
        _w.WriteAttributeString("data-engine", where);
        _w.WriteAttributeString("d", $"M {N(x - 6)} {N(y - 4)} L {N(x + 6)} {N(y - 4)} L {N(x)} {N(y + 8)} Z");
        _w.WriteAttributeString("fill", SvgPalette.Hang);
        _w.WriteAttributeString("stroke", "#ffffff");
        _w.WriteAttributeString("stroke-width", "1");
        Element("title", $"GPU hang at {Ms(hang.Us)} ms: {(hang.Args.TryGetValue("reason", out object? r) ? r : "")}");
        _w.WriteEndElement();
    }

    private void Axis()
    {
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "axis");
        Line(Left, AxisY, Left + PlotWidth, AxisY, "#616161");
        foreach (double us in Ticks())
        {
            Line(X(us), AxisY, X(us), AxisY + 5, "#616161");
            Text(X(us), AxisY + 17, $"{Ms(us)} ms", ("text-anchor", "middle"), ("fill", "#424242"));
        }
        _w.WriteEndElement();
    }

    /// <summary>Tick positions (µs): about ten, at 1, 2 or 5 times a power of ten.</summary>
    private IEnumerable<double> Ticks()
    {
        double raw = _duration / 10;
        double pow = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * pow).First(s => s >= raw);
        for (double t = 0; t <= _duration + step / 1000; t += step)
        {
            yield return t;
        }
    }

    private void Legend()
    {
        _w.WriteStartElement("g");
        _w.WriteAttributeString("class", "legend");
        double x = Left, y = LegendY;
        IEnumerable<(string, string, double)> items = Enum.GetValues<RequestOutcome>().Select(o => (SvgPalette.Fill(o), SvgPalette.Label(o), 1.0))
            .Concat([(SvgPalette.EngineReset, "engine reset", 0.55), (SvgPalette.FullReset, "full reset", 0.3), ("url(#wedged-hatch)", "wedged", 1.0),
                (SvgPalette.Pulse, "heartbeat pulse pending", 1.0)]);
        foreach ((string? fill, string? label, double opacity) in items)
        {
            double width = 22 + label.Length * 6.3;
            if (x + width > Width - Right) { x = Left; y += 20; }
            _w.WriteStartElement("rect");
            Attr("x", x);
            Attr("y", y - 10);
            Attr("width", 12);
            Attr("height", 12);
            _w.WriteAttributeString("fill", fill);
            _w.WriteAttributeString("fill-opacity", N(opacity));
            _w.WriteAttributeString("stroke", "#9e9e9e");
            _w.WriteEndElement();
            Text(x + 16, y, label);
            x += width + 10;
        }
        if (x + 60 > Width - Right) { x = Left; y += 20; }
        _w.WriteStartElement("path");
        _w.WriteAttributeString("d", $"M {N(x)} {N(y - 10)} L {N(x + 12)} {N(y - 10)} L {N(x + 6)} {N(y + 2)} Z");
        _w.WriteAttributeString("fill", SvgPalette.Hang);
        _w.WriteEndElement();
        Text(x + 16, y, "hang detected");
        _w.WriteEndElement();
    }

    private void Rect(string? cls, double x, double y, double width, double height, string fill)
    {
        _w.WriteStartElement("rect");
        if (cls is not null)
        {
            _w.WriteAttributeString("class", cls);
        }

        Attr("x", x);
        Attr("y", y);
        Attr("width", width);
        Attr("height", height);
        _w.WriteAttributeString("fill", fill);
        _w.WriteEndElement();
    }

    private void Line(double x1, double y1, double x2, double y2, string stroke)
    {
        _w.WriteStartElement("line");
        Attr("x1", x1);
        Attr("y1", y1);
        Attr("x2", x2);
        Attr("y2", y2);
        _w.WriteAttributeString("stroke", stroke);
        _w.WriteEndElement();
    }

    private void Text(double x, double y, string text, params (string Name, string Value)[] attributes)
    {
        _w.WriteStartElement("text");
        Attr("x", x);
        Attr("y", y);
        foreach ((string? name, string? value) in attributes)
        {
            _w.WriteAttributeString(name, value);
        }

        _w.WriteString(text);
        _w.WriteEndElement();
    }

    private void Element(string name, string text) => _w.WriteElementString(name, text);

    private void Attr(string name, double value) => _w.WriteAttributeString(name, N(value));

    private static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Ms(double us) => (us / 1000).ToString(us >= 100_000 ? "0.#" : "0.###", CultureInfo.InvariantCulture);

    /// <summary>Consecutive requests drawn as one bar.</summary>
    private sealed record Bar(RequestOutcome Outcome, TraceSlice First, double StartUs)
    {
        public double EndUs { get; set; }
        public int Count { get; set; }
    }
}
