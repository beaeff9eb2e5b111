using System.Globalization;
using Driver.Core.Hw;
using Driver.Engines.Gt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Uapi;

namespace Driver.Sim.Info;

/// <summary>
/// Describes a device configuration the way i915's debugfs does (i915_engine_info, i915_reset_info): the device,
/// hang detection, recovery and bans, then each engine with its class and properties, each value beside its default
/// when it differs. To add a property, add a line to the section it belongs to; the text and JSON output follow.
/// </summary>
public static class DeviceInfo
{
    /// <summary>The sections for <paramref name="config"/>.</summary>
    public static IReadOnlyList<InfoSection> Describe(DeviceConfig config)
    {
        var d = new DeviceConfig();
        GtConfig gt = config.Gt;
        ResetConfig r = config.Reset;
        var sections = new List<InfoSection>
        {
            new("device",
            [
                Line("engines", string.Join(" ", EngineIds.All.Select(e => e.Name())), null),
                Line("memory", Mib(gt.MemoryBytes), Mib(d.Gt.MemoryBytes)),
                Line("ggtt_size", Mib(gt.GgttBytes), Mib(d.Gt.GgttBytes)),
                Line("wedge_strategy", Strategy(gt.WedgeStrategy), Strategy(d.Gt.WedgeStrategy)),
                Line("submit_read_side", gt.SubmitReadSide.ToString().ToLowerInvariant(), d.Gt.SubmitReadSide.ToString().ToLowerInvariant()),
                Line("fence_registers", N(config.FenceRegisters), N(d.FenceRegisters)),
                Line("mmap_reset_policy", config.MmapResetPolicy.ToName(), d.MmapResetPolicy.ToName()),
            ]),
            new("hangcheck",
            [
                Line("heartbeat_interval_ms", Ms(r.HeartbeatInterval), Ms(d.Reset.HeartbeatInterval)),
                Line("preempt_timeout_ms", Ms(r.PreemptTimeout), Ms(d.Reset.PreemptTimeout)),
                Line("stop_timeout_ms", Ms(r.StopTimeout), Ms(d.Reset.StopTimeout)),
                Line("hangcheck", r.HeartbeatInterval > TimeSpan.Zero ? "enabled (heartbeat)" : "disabled", null),
            ]),
            new("reset",
            [
                Line("capabilities", Capabilities(r.EngineResetEnabled, r.FullResetEnabled), Capabilities(d.Reset.EngineResetEnabled, d.Reset.FullResetEnabled)),
                Line("engine_reset", YesNo(r.EngineResetEnabled), YesNo(d.Reset.EngineResetEnabled)),
                Line("full_reset", YesNo(r.FullResetEnabled), YesNo(d.Reset.FullResetEnabled)),
                Line("full_reset_retries", N(Reset.Recovery.GtReset.FullResetRetries), null),
                Line("wedge_on_timeout_ms", Ms(r.WedgeTimeout), Ms(d.Reset.WedgeTimeout)),
                Line("unwedge_wait_ms", Ms(r.UnwedgeWaitTimeout), Ms(d.Reset.UnwedgeWaitTimeout)),
                Line("error_capture", YesNo(r.CaptureErrorState), YesNo(d.Reset.CaptureErrorState)),
                Line("error_states_kept", N(r.MaxErrorStates), N(d.Reset.MaxErrorStates)),
            ]),
            new("bans",
            [
                Line("ban_window_ms", Ms(r.BanWindow), Ms(d.Reset.BanWindow)),
                Line("hangs_to_ban", N(r.HangsToBan), N(d.Reset.HangsToBan)),
                Line("client_fast_hang_window_ms", Ms(r.ClientFastHangWindow), Ms(d.Reset.ClientFastHangWindow)),
                Line("client_ban_score", "9 (+3 per banned context, +1 per fast hang)", null),
            ]),
        };
        foreach (EngineId engine in EngineIds.All)
        {
            bool busyPoll = gt.Engine.BusyPoll || (gt.BusyPollEngines & engine.Mask()) != 0;
            sections.Add(new InfoSection(engine.Name(),
            [
                Line("class", $"{engine.Class().ToString().ToLowerInvariant()} ({(int)engine.Class()})", null),
                Line("instance", "0", null),
                Line("mask", $"0x{engine.Mask():x}", null),
                Line("heartbeat_interval_ms", Ms(r.HeartbeatInterval), Ms(d.Reset.HeartbeatInterval)),
                Line("preempt_timeout_ms", Ms(r.PreemptTimeout), Ms(d.Reset.PreemptTimeout)),
                Line("reset", Capabilities(r.EngineResetEnabled, r.FullResetEnabled), Capabilities(d.Reset.EngineResetEnabled, d.Reset.FullResetEnabled)),
                Line("park_timeout_ms", Ms(gt.Engine.ParkTimeout), Ms(d.Gt.Engine.ParkTimeout)),
                Line("idle", busyPoll ? "busy-poll" : "sleep", "sleep"),
            ]));
        }
        return sections;
    }

    /// <summary>A line; its default is kept only when it differs from the value.</summary>
    private static InfoLine Line(string key, string value, string? defaultValue) =>
        new(key, value, defaultValue is not null && defaultValue != value ? defaultValue : null);

    private static string Capabilities(bool engine, bool full) => (engine, full) switch
    {
        (true, true) => "engine, full",
        (true, false) => "engine",
        (false, true) => "full",
        _ => "none (a hang wedges the device)",
    };

    private static string Strategy(WedgeStrategy s) => s == WedgeStrategy.StopMachine ? "stop-machine" : "epoch";

    private static string YesNo(bool b) => b ? "yes" : "no";

    private static string Mib(long bytes) => $"{bytes >> 20} MiB";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
