using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>Where an engine's requests run, as scenario files name it.</summary>
public enum EngineBackendName
{
    /// <summary>"simulated": the engine thread and its command streamer (the default).</summary>
    [JsonStringEnumMemberName("simulated")]
    Simulated,

    /// <summary>"vulkan": passed through to a Vulkan device (a real GPU, or lavapipe); see docs/vulkan.md.</summary>
    [JsonStringEnumMemberName("vulkan")]
    Vulkan,
}
