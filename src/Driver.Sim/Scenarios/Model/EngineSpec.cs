namespace Driver.Sim.Scenarios.Model;

/// <summary>Per-engine device settings: <c>"device": { "engines": { "rcs0": { "backend": "vulkan" } } }</c>.</summary>
public sealed record EngineSpec
{
    /// <summary>Where the engine's requests run.</summary>
    public EngineBackendName Backend { get; init; } = EngineBackendName.Simulated;

    /// <summary>For a Vulkan engine: how long a request may run before it is treated as a hang (default 500).</summary>
    public int? VkTimeoutMs { get; init; }
}
