using System.Text.Json.Serialization;
using Driver.Sim.Scenarios.Json;

namespace Driver.Sim.Scenarios.Model;

/// <summary>Engines named in a scenario: <c>"all"</c> or a list such as <c>["rcs0", "bcs0"]</c> (names checked by validation).</summary>
[JsonConverter(typeof(EngineSelectionConverter))]
public sealed record EngineSelection
{
    /// <summary>Every engine.</summary>
    public static EngineSelection All { get; } = new() { IsAll = true };

    /// <summary>Whether "all" was given.</summary>
    public bool IsAll { get; init; }

    /// <summary>The names listed (empty for "all").</summary>
    public IReadOnlyList<string> Names { get; init; } = [];
}
