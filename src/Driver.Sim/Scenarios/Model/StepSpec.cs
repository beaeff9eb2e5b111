using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>A step of a phase; the JSON <c>type</c> field picks the kind.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(BatchesStep), "batches")]
[JsonDerivedType(typeof(HangStep), "hang")]
[JsonDerivedType(typeof(WedgeStep), "wedge")]
[JsonDerivedType(typeof(UnwedgeStep), "unwedge")]
[JsonDerivedType(typeof(ResetStep), "reset")]
[JsonDerivedType(typeof(SleepStep), "sleep")]
[JsonDerivedType(typeof(SetDomainStep), "setDomain")]
public abstract record StepSpec
{
    /// <summary>Unique name; expectations on one workload (<c>expect.workloads</c>) refer to it.</summary>
    public string? Name { get; init; }

    /// <summary>The client whose thread runs the step, or null for a device action (control thread).</summary>
    [JsonIgnore]
    public abstract string? ClientName { get; }

    /// <summary>The kind as written in JSON.</summary>
    [JsonIgnore]
    public abstract string Kind { get; }
}
