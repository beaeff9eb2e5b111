using System.Text.Json.Nodes;

namespace Driver.Sim.Info;

/// <summary>
/// One property of <c>gpusim info</c>: a key, its value as text, and the default when the value differs from it;
/// for <c>--json</c>, the value typed (<see cref="Json"/>) and the key with its unit (<see cref="JsonKey"/>).
/// </summary>
public sealed record InfoLine(string Key, string Value, string? Default = null)
{
    /// <summary>The value as JSON (a number, a boolean); null to write <see cref="Value"/> as a string.</summary>
    public JsonNode? Json { get; init; }

    /// <summary>The key in JSON when it differs ("memory_mib" where the text says "memory: 512 MiB").</summary>
    public string? JsonKey { get; init; }
}
