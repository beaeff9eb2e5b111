using System.Text.Json.Serialization;

namespace Driver.Sim.Results;

/// <summary>One step of the scenario: what it is, and the outcome of its submissions (or of its action).</summary>
public sealed record WorkloadResult
{
    /// <summary>Step name (given, or "phase.step" numbers).</summary>
    public required string Name { get; init; }

    /// <summary>Step type ("batches", "hang", "wedge"...).</summary>
    public required string Type { get; init; }

    /// <summary>Client, for client steps.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Client { get; init; }

    /// <summary>Context, for client steps that submit.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Context { get; init; }

    /// <summary>Fence outcomes of its submissions.</summary>
    public required FenceCounts Fences { get; init; }

    /// <summary>For actions that can fail (unwedge): whether it succeeded.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Succeeded { get; init; }
}
