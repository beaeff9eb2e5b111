using System.Text.Json.Serialization;

namespace Driver.Sim.Bench;

/// <summary>One measurement of a scale series: the cost at size <see cref="N"/>.</summary>
public sealed record ScalePoint(
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("value")] double Value);
