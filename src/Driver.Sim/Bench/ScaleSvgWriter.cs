using System.Globalization;
using System.Xml;

namespace Driver.Sim.Bench;

/// <summary>
/// Draws a <see cref="ScaleReport"/> as a self-contained log-log SVG plot (the style of the trace timeline's
/// Tracing.SvgTimelineWriter: hand-written with an XmlWriter, no script): one line per series, its cost relative to
/// its smallest size against the size, so that every series starts at 1 and its slope is its growth exponent; the
/// legend gives each series' exponent. Hover a point for its value.
/// </summary>
public static class ScaleSvgWriter
{
    private const double Width = 1000, Height = 560, Left = 70, Right = 360, Top = 50, Bottom = 60;
    private const double PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;
    private const string Svg = "http://www.w3.org/2000/svg";

    private static readonly string[] s_colours =
        ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#546e7a", "#c0ca33"];

    /// <summary>The plot as an SVG document.</summary>
    public static string ToSvg(ScaleReport report)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        Write(report, output);
        return output.ToString();
    }

    /// <summary>Writes the plot to <paramref name="output"/>.</summary>
    public static void Write(ScaleReport report, TextWriter output)
    {
        // Relative costs: each series divided by its first (smallest n) value.
        var lines = report.Series
            .Select(s => (Series: s, Points: s.Points.Where(p => p.N > 0 && p.Value > 0 && double.IsFinite(p.Value)).ToList()))
            .Where(l => l.Points.Count > 0)
            .Select(l => (l.Series, Points: l.Points.Select(p => (p.N, Rel: p.Value / l.Points[0].Value, p.Value)).ToList()))
            .ToList();
        double minN = 1, maxN = 10;
        double minY = 0.1, maxY = 10;
        if (lines.Count > 0)
        {
            minN = lines.Min(l => l.Points.Min(p => (double)p.N));
            maxN = lines.Max(l => l.Points.Max(p => (double)p.N));
            minY = Math.Min(1, lines.Min(l => l.Points.Min(p => p.Rel)));
            maxY = Math.Max(1, lines.Max(l => l.Points.Max(p => p.Rel)));
        }

        // Whole decades on both axes, at least one wide.
        double x0 = Math.Floor(Math.Log10(minN)), x1 = Math.Max(Math.Ceiling(Math.Log10(maxN)), x0 + 1);
        double y0 = Math.Floor(Math.Log10(minY)), y1 = Math.Max(Math.Ceiling(Math.Log10(maxY)), y0 + 1);
        double X(double n) => Left + (Math.Log10(n) - x0) / (x1 - x0) * PlotWidth;
        double Y(double v) => Top + PlotHeight - (Math.Log10(v) - y0) / (y1 - y0) * PlotHeight;

        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, CloseOutput = false };
        using var w = XmlWriter.Create(output, settings);
        w.WriteStartElement("svg", Svg);
        w.WriteAttributeString("width", N(Width));
        w.WriteAttributeString("height", N(Height));
        w.WriteAttributeString("viewBox", $"0 0 {N(Width)} {N(Height)}");
        w.WriteAttributeString("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif");
        w.WriteAttributeString("font-size", "11");
        w.WriteElementString("title", Svg, "gpusim bench scale: cost growth, log-log");
        Rect(w, 0, 0, Width, Height, "#ffffff", null);
        Text(w, 12, 22, "gpusim bench — how cost grows (log-log, cost relative to the smallest size)", "15", "bold");
        Text(w, 12, 40, "slope = growth exponent k (cost ∝ n^k); 0: flat, 1: linear", null, null);

        // Grid and axes: a line per decade.
        for (double d = x0; d <= x1; d++)
        {
            double x = X(Math.Pow(10, d));
            Line(w, x, Top, x, Top + PlotHeight, "#e0e0e0", 1, "grid");
            Text(w, x - 12, Top + PlotHeight + 18, Math.Pow(10, d).ToString("N0", CultureInfo.InvariantCulture), null, null);
        }

        for (double d = y0; d <= y1; d++)
        {
            double y = Y(Math.Pow(10, d));
            Line(w, Left, y, Left + PlotWidth, y, "#e0e0e0", 1, "grid");
            Text(w, Left - 50, y + 4, "×" + Math.Pow(10, d).ToString("0.###", CultureInfo.InvariantCulture), null, null);
        }

        Line(w, Left, Top + PlotHeight, Left + PlotWidth, Top + PlotHeight, "#424242", 1, "axis");
        Line(w, Left, Top, Left, Top + PlotHeight, "#424242", 1, "axis");
        Text(w, Left + PlotWidth / 2 - 60, Height - 18, "size n (engines, clients, contexts, queued)", null, null);

        for (int i = 0; i < lines.Count; i++)
        {
            (ScaleSeries series, List<(int N, double Rel, double Value)> points) = lines[i];
            string colour = s_colours[i % s_colours.Length];
            w.WriteStartElement("g", Svg);
            w.WriteAttributeString("class", "series");
            w.WriteAttributeString("data-id", series.Id);
            w.WriteAttributeString("data-exponent", series.Exponent.ToString("R", CultureInfo.InvariantCulture));
            w.WriteStartElement("polyline", Svg);
            w.WriteAttributeString("points", string.Join(' ', points.Select(p => $"{N(X(p.N))},{N(Y(p.Rel))}")));
            w.WriteAttributeString("fill", "none");
            w.WriteAttributeString("stroke", colour);
            w.WriteAttributeString("stroke-width", "2");
            w.WriteEndElement();
            foreach ((int n, double rel, double value) in points)
            {
                w.WriteStartElement("circle", Svg);
                w.WriteAttributeString("cx", N(X(n)));
                w.WriteAttributeString("cy", N(Y(rel)));
                w.WriteAttributeString("r", "3.5");
                w.WriteAttributeString("fill", colour);
                w.WriteElementString("title", Svg, $"{series.Title}, {series.Size} {n:N0}: {ScaleReport.Format(value)} {series.Unit}");
                w.WriteEndElement();
            }

            // Legend entry.
            double ly = Top + 10 + i * 20;
            Line(w, Left + PlotWidth + 20, ly, Left + PlotWidth + 44, ly, colour, 2, "legend");
            Text(w, Left + PlotWidth + 50, ly + 4, $"{series.Title} (k = {series.Exponent.ToString("F2", CultureInfo.InvariantCulture)})", null, null);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void Rect(XmlWriter w, double x, double y, double width, double height, string fill, string? cls)
    {
        w.WriteStartElement("rect", Svg);
        if (cls is not null)
        {
            w.WriteAttributeString("class", cls);
        }

        w.WriteAttributeString("x", N(x));
        w.WriteAttributeString("y", N(y));
        w.WriteAttributeString("width", N(width));
        w.WriteAttributeString("height", N(height));
        w.WriteAttributeString("fill", fill);
        w.WriteEndElement();
    }

    private static void Line(XmlWriter w, double x1, double y1, double x2, double y2, string stroke, double width, string cls)
    {
        w.WriteStartElement("line", Svg);
        w.WriteAttributeString("class", cls);
        w.WriteAttributeString("x1", N(x1));
        w.WriteAttributeString("y1", N(y1));
        w.WriteAttributeString("x2", N(x2));
        w.WriteAttributeString("y2", N(y2));
        w.WriteAttributeString("stroke", stroke);
        w.WriteAttributeString("stroke-width", N(width));
        w.WriteEndElement();
    }

    private static void Text(XmlWriter w, double x, double y, string text, string? size, string? weight)
    {
        w.WriteStartElement("text", Svg);
        w.WriteAttributeString("x", N(x));
        w.WriteAttributeString("y", N(y));
        if (size is not null)
        {
            w.WriteAttributeString("font-size", size);
        }

        if (weight is not null)
        {
            w.WriteAttributeString("font-weight", weight);
        }

        w.WriteString(text);
        w.WriteEndElement();
    }

    private static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
