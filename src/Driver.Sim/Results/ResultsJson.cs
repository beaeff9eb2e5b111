using System.Text.Json;
using System.Text.Json.Serialization;

namespace Driver.Sim.Results;

/// <summary>Serializer settings of the results JSON: camelCase, indented.</summary>
public static class ResultsJson
{
    /// <summary>The options.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The results as JSON text.</summary>
    public static string Serialize(RunResult result) => JsonSerializer.Serialize(result, Options);
}
