using Driver.Core.Resv;
using Driver.Engines.Gt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;

namespace Driver.Sim.Runner;

/// <summary>Builds the device configuration of a scenario: i915's defaults, the scenario's overrides, then the CLI's.</summary>
public static class DeviceConfigFactory
{
    /// <summary>The configuration for <paramref name="spec"/> with <paramref name="strategyOverride"/> on top.</summary>
    public static DeviceConfig Create(DeviceSpec? spec, WedgeStrategy? strategyOverride = null)
    {
        spec ??= new DeviceSpec();
        var defaults = new DeviceConfig();
        WedgeStrategy strategy = strategyOverride
            ?? (spec.WedgeStrategy == WedgeStrategyName.StopMachine ? WedgeStrategy.StopMachine : WedgeStrategy.Epoch);
        GtConfig gt = defaults.Gt with
        {
            MemoryBytes = spec.MemoryMb is { } mb ? (long)mb << 20 : defaults.Gt.MemoryBytes,
            WedgeStrategy = strategy,
            Engine = defaults.Gt.Engine with { TimesliceDuration = Ms(spec.TimesliceMs) ?? defaults.Gt.Engine.TimesliceDuration },
        };
        ResetConfig r = defaults.Reset;
        ResetConfig reset = r with
        {
            HeartbeatInterval = Ms(spec.HeartbeatMs) ?? r.HeartbeatInterval,
            PreemptTimeout = Ms(spec.PreemptTimeoutMs) ?? r.PreemptTimeout,
            EngineResetEnabled = spec.EngineReset ?? r.EngineResetEnabled,
            FullResetEnabled = spec.FullReset ?? r.FullResetEnabled,
            BanWindow = Ms(spec.BanWindowMs) ?? r.BanWindow,
            HangsToBan = spec.HangsToBan ?? r.HangsToBan,
            CaptureErrorState = spec.CaptureErrorState ?? r.CaptureErrorState,
            WedgeTimeout = Ms(spec.WedgeTimeoutMs) ?? r.WedgeTimeout,
        };
        MmapResetPolicy mmapPolicy = spec.MmapResetPolicy switch
        {
            MmapResetPolicyName.Glitch => MmapResetPolicy.Glitch,
            MmapResetPolicyName.StopMachine => MmapResetPolicy.StopMachine,
            MmapResetPolicyName.Revoke => MmapResetPolicy.Revoke,
            _ => defaults.MmapResetPolicy,
        };
        return new DeviceConfig
        {
            Gt = gt,
            Reset = reset,
            MmapResetPolicy = mmapPolicy,
            Name = spec.Name ?? defaults.Name,
            ResetLockingRule = spec.ResetLockingRule == ResetLockingRuleName.Amdgpu ? ResetLockingRule.Amdgpu : ResetLockingRule.I915,
        };
    }

    private static TimeSpan? Ms(int? ms) => ms is { } v ? TimeSpan.FromMilliseconds(v) : null;
}
