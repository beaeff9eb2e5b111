using System.Text.Json.Serialization;

namespace Driver.Sim.Bench;

/// <summary>
/// How one cost grows with one size: its points and the growth exponent k of cost ∝ n^k, the least-squares slope of
/// log(cost) against log(n). k = 0: the cost does not grow; 1: linear; below 0: it shrinks (more engines share the work).
/// </summary>
public sealed record ScaleSeries
{
    /// <summary>Short id ("engines-throughput").</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>What is measured.</summary>
    [JsonPropertyName("title")] public required string Title { get; init; }

    /// <summary>What n counts.</summary>
    [JsonPropertyName("size")] public required string Size { get; init; }

    /// <summary>The cost's unit.</summary>
    [JsonPropertyName("unit")] public required string Unit { get; init; }

    /// <summary>The measurements, by increasing n.</summary>
    [JsonPropertyName("points")] public required IReadOnlyList<ScalePoint> Points { get; init; }

    /// <summary>The growth exponent (NaN with fewer than two usable points).</summary>
    [JsonIgnore] public double Exponent => Fit(Points);

    /// <summary>
    /// The exponent as written to --json: null where it is NaN, which JSON cannot hold (the serializer would throw
    /// after the whole run, losing every figure).
    /// </summary>
    [JsonPropertyName("exponent")] public double? ExponentOrNull => double.IsFinite(Exponent) ? Exponent : null;

    /// <summary>
    /// Least-squares slope of log(value) against log(n) over the points with n and value above zero; NaN when fewer
    /// than two such points or all at one n.
    /// </summary>
    public static double Fit(IReadOnlyList<ScalePoint> points)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (ScalePoint p in points)
        {
            if (p.N > 0 && p.Value > 0 && double.IsFinite(p.Value))
            {
                xs.Add(Math.Log(p.N));
                ys.Add(Math.Log(p.Value));
            }
        }

        if (xs.Count < 2)
        {
            return double.NaN;
        }

        double mx = xs.Average();
        double my = ys.Average();
        double sxx = 0, sxy = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            sxx += (xs[i] - mx) * (xs[i] - mx);
            sxy += (xs[i] - mx) * (ys[i] - my);
        }

        return sxx == 0 ? double.NaN : sxy / sxx;
    }
}
