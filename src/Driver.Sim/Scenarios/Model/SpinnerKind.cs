using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>The spinner a hang step submits (igt_spin flags).</summary>
public enum SpinnerKind
{
    /// <summary>"noPreemption": no arbitration point; reset after the preempt timeout.</summary>
    [JsonStringEnumMemberName("noPreemption")]
    NoPreemption,

    /// <summary>"invalidCs": an invalid instruction; the engine faults and is reset at once.</summary>
    [JsonStringEnumMemberName("invalidCs")]
    InvalidCs,

    /// <summary>"plain": preemptible, so never reset; needs <c>endAfterMs</c>.</summary>
    [JsonStringEnumMemberName("plain")]
    Plain,
}
