using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>How a batches step spreads its batches over its engines.</summary>
public enum Distribution
{
    /// <summary>"roundRobin": batch i on engine i mod n.</summary>
    [JsonStringEnumMemberName("roundRobin")]
    RoundRobin,

    /// <summary>"random": a seeded random engine, never the previous batch's one when there is a choice.</summary>
    [JsonStringEnumMemberName("random")]
    Random,
}
