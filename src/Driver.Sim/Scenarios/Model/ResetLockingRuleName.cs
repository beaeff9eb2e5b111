using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>Reset-locking rules as scenario files name them (<c>device.resetLockingRule</c>, <c>peer.resetLockingRule</c>).</summary>
public enum ResetLockingRuleName
{
    /// <summary>"i915": fence waits under reservation locks allowed; the reset takes none (the default).</summary>
    [JsonStringEnumMemberName("i915")]
    I915,

    /// <summary>"amdgpu": no fence wait under a reservation lock; the reset takes them.</summary>
    [JsonStringEnumMemberName("amdgpu")]
    Amdgpu,
}
