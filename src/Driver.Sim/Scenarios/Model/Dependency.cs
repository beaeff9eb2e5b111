using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>What batch i of a batches step waits for.</summary>
public enum Dependency
{
    /// <summary>"none": only the timeline's own order (same context, same engine).</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>"cross-engine": batch i awaits batch i-1's fence, which ran on another engine.</summary>
    [JsonStringEnumMemberName("cross-engine")]
    CrossEngine,
}
