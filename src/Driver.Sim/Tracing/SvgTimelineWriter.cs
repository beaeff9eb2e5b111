using System.Text;

namespace Driver.Sim.Tracing;

/// <summary>
/// Writes a <see cref="TraceModel"/> as a self-contained SVG timeline, readable in any browser or image viewer:
/// one row per engine with its requests as bars coloured by outcome (runs of neighbouring same-coloured requests
/// closer than a pixel are drawn as one bar whose <c>data-count</c> says how many), a recovery row with the resets,
/// hang markers on the hung engines, engine resets, full resets and wedged periods marked across the rows, a time
/// axis in ms and a legend. Hover a bar or mark for its details.
/// </summary>
public static class SvgTimelineWriter
{
    /// <summary>Writes the timeline to <paramref name="path"/>.</summary>
    public static void WriteFile(TraceModel model, string path)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(model, writer);
    }

    /// <summary>The timeline as an SVG document string.</summary>
    public static string ToSvg(TraceModel model)
    {
        var writer = new StringWriter();
        Write(model, writer);
        return writer.ToString();
    }

    /// <summary>Writes the timeline to <paramref name="output"/>.</summary>
    public static void Write(TraceModel model, TextWriter output) => new SvgTimelineRenderer(model).Render(output);
}
