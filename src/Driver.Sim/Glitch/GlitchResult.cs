using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Driver.Sim.Glitch;

/// <summary>What a <see cref="GlitchRunner"/> run observed.</summary>
/// <param name="Policy">Policy name ("glitch", "stop-machine", "revoke").</param>
/// <param name="Resets">Full resets performed.</param>
/// <param name="Accesses">GTT mmap dword accesses performed by all user threads.</param>
/// <param name="GlitchedReads">Reads that returned data from the wrong place (counted at access time).</param>
/// <param name="MisplacedWrites">Writes that landed at the wrong place (counted at access time).</param>
/// <param name="ByPath">The misrouted accesses by the hardware reset whose window they fell in.</param>
/// <param name="Wedges">Wedge + unwedge cycles performed in place of a full reset.</param>
/// <param name="MaxStallUs">Longest single access, in microseconds.</param>
/// <param name="AccessesPerSecond">Accesses per second of the run.</param>
/// <param name="Mismatches">Read-back values that differed from the pattern written (the user-visible damage).</param>
/// <param name="FailedAccesses">Accesses that returned an errno.</param>
public sealed record GlitchResult(
    string Policy,
    int Resets,
    long Accesses,
    long GlitchedReads,
    long MisplacedWrites,
    GlitchPaths ByPath,
    int Wedges,
    double MaxStallUs,
    double AccessesPerSecond,
    long Mismatches,
    long FailedAccesses)
{
    /// <summary>
    /// The JSON report: exactly the keys <c>policy, resets, wedges, accesses, glitchedReads, misplacedWrites,
    /// glitchesByPath {fullReset, wedge, unwedge}, maxStallUs, accessesPerSecond</c>, in that order.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("policy", Policy);
            w.WriteNumber("resets", Resets);
            w.WriteNumber("wedges", Wedges);
            w.WriteNumber("accesses", Accesses);
            w.WriteNumber("glitchedReads", GlitchedReads);
            w.WriteNumber("misplacedWrites", MisplacedWrites);
            w.WriteStartObject("glitchesByPath");
            w.WriteNumber("fullReset", ByPath.FullReset);
            w.WriteNumber("wedge", ByPath.Wedge);
            w.WriteNumber("unwedge", ByPath.Unwedge);
            w.WriteEndObject();
            w.WriteNumber("maxStallUs", Math.Round(MaxStallUs, 1));
            w.WriteNumber("accessesPerSecond", Math.Round(AccessesPerSecond));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Human-readable report, one "key: value" per line.</summary>
    public string ToText()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"policy: {Policy}");
        sb.AppendLine(c, $"resets: {Resets}");
        sb.AppendLine(c, $"accesses: {Accesses}");
        sb.AppendLine(c, $"glitchedReads: {GlitchedReads}");
        sb.AppendLine(c, $"misplacedWrites: {MisplacedWrites}");
        sb.AppendLine(c, $"glitchesByPath: fullReset {ByPath.FullReset}, wedge {ByPath.Wedge}, unwedge {ByPath.Unwedge}");
        if (Wedges > 0)
        {
            sb.AppendLine(c, $"wedges: {Wedges}");
        }

        sb.AppendLine(c, $"maxStallUs: {MaxStallUs:F1}");
        sb.AppendLine(c, $"accessesPerSecond: {AccessesPerSecond:F0}");
        sb.AppendLine(c, $"patternMismatches: {Mismatches}");
        if (FailedAccesses > 0)
        {
            sb.AppendLine(c, $"failedAccesses: {FailedAccesses}");
        }

        return sb.ToString();
    }
}
