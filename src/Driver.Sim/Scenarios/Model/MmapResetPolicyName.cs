using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>GTT mmap reset policies as scenario files name them (<c>device.mmapResetPolicy</c>).</summary>
public enum MmapResetPolicyName
{
    /// <summary>"glitch": accesses in the window between the hardware reset and the fence restore go undetiled.</summary>
    [JsonStringEnumMemberName("glitch")]
    Glitch,

    /// <summary>"stop-machine": every GTT mmap user is held at a safe point for the whole reset.</summary>
    [JsonStringEnumMemberName("stop-machine")]
    StopMachine,

    /// <summary>"revoke": fenced mmaps are revoked before the reset; faults wait for it to finish (i915's default).</summary>
    [JsonStringEnumMemberName("revoke")]
    Revoke,
}
