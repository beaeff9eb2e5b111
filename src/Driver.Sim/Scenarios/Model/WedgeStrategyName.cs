using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>Wedge strategies as scenario files name them.</summary>
public enum WedgeStrategyName
{
    /// <summary>"epoch": a grace period of the submit epoch.</summary>
    [JsonStringEnumMemberName("epoch")]
    Epoch,

    /// <summary>"stop-machine": every submitter and engine parked while the handlers change.</summary>
    [JsonStringEnumMemberName("stop-machine")]
    StopMachine,
}
