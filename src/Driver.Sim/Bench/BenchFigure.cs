using System.Text.Json.Serialization;

namespace Driver.Sim.Bench;

/// <summary>
/// One benchmark figure: what was measured (median and spread over repeated runs), the comparison measured in the
/// same run, their ratio, the target, and whether it was met (null when the figure has no target).
/// </summary>
public sealed record BenchFigure
{
    /// <summary>Stable identifier (JSON key).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    /// <summary>Human title.</summary>
    [JsonPropertyName("title")] public required string Title { get; init; }
    /// <summary>Unit of <see cref="Value"/> and <see cref="Comparison"/>.</summary>
    [JsonPropertyName("unit")] public required string Unit { get; init; }
    /// <summary>The measurement.</summary>
    [JsonPropertyName("value")] public required Summary Value { get; init; }
    /// <summary>What it is compared with.</summary>
    [JsonPropertyName("comparisonTitle")] public string? ComparisonTitle { get; init; }
    /// <summary>The comparison, measured in the same run.</summary>
    [JsonPropertyName("comparison")] public Summary? Comparison { get; init; }
    /// <summary>Value median / comparison median.</summary>
    [JsonPropertyName("ratio")] public double? Ratio => Comparison is { Median: > 0 } c ? Value.Median / c.Median : null;
    /// <summary>The target in words.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    /// <summary>Whether the target was met; null without a target.</summary>
    [JsonPropertyName("met")] public bool? Met { get; init; }
    /// <summary>Anything worth knowing to read the figure.</summary>
    [JsonPropertyName("note")] public string Note { get; init; } = "";
}
