using System.Text.Json;
using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Json;

/// <summary>The serializer settings of scenario files: strict (unknown fields, wrong types and bad enum names are errors).</summary>
public static class ScenarioJson
{
    /// <summary>Options for reading scenario files.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true,
        // Plain JSON, as docs/scenarios.md promises (JsonSyntax checks the same, and duplicate keys, first).
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        NumberHandling = JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
    };
}
