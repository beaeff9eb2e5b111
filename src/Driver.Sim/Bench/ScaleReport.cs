using System.Globalization;
using System.Text;

namespace Driver.Sim.Bench;

/// <summary>The <c>scale</c> group's result: every series, printable as a Markdown table and plottable as SVG.</summary>
public sealed class ScaleReport(IReadOnlyList<ScaleSeries> series)
{
    /// <summary>The series, in measurement order.</summary>
    public IReadOnlyList<ScaleSeries> Series { get; } = series;

    /// <summary>
    /// A Markdown table (readable as plain text too): one row per series, its value at each size and its exponent.
    /// </summary>
    public string ToTable()
    {
        int columns = Series.Count == 0 ? 0 : Series.Max(s => s.Points.Count);
        var sb = new StringBuilder();
        sb.Append("| series | unit |");
        for (int i = 0; i < columns; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $" size {i + 1} |");
        }

        sb.AppendLine(" exponent k (cost ∝ n^k) |");
        sb.Append("|---|---|");
        for (int i = 0; i < columns; i++)
        {
            sb.Append("---:|");
        }

        sb.AppendLine("---:|");
        foreach (ScaleSeries s in Series)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Title} | {s.Unit} |");
            for (int i = 0; i < columns; i++)
            {
                sb.Append(i < s.Points.Count ? $" {s.Size} {s.Points[i].N:N0}: {Format(s.Points[i].Value)} |" : " |");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $" {s.Exponent:F2} |");
        }

        return sb.ToString();
    }

    /// <summary>Three significant digits, invariant culture.</summary>
    internal static string Format(double v) => v switch
    {
        double.NaN => "n/a",
        >= 100 => v.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("F1", CultureInfo.InvariantCulture),
        _ => v.ToString("F2", CultureInfo.InvariantCulture),
    };
}
