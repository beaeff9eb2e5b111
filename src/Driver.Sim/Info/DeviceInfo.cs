using System.Globalization;
using System.Text.Json.Nodes;
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
                MibLine("memory", gt.MemoryBytes, d.Gt.MemoryBytes),
                MibLine("ggtt_size", gt.GgttBytes, d.Gt.GgttBytes),
                Line("wedge_strategy", Strategy(gt.WedgeStrategy), Strategy(d.Gt.WedgeStrategy)),
                IntLine("fence_registers", config.FenceRegisters, d.FenceRegisters),
                Line("mmap_reset_policy", config.MmapResetPolicy.ToName(), d.MmapResetPolicy.ToName()),
            ]),
            new("hangcheck",
            [
                MsLine("heartbeat_interval_ms", r.HeartbeatInterval, d.Reset.HeartbeatInterval),
                MsLine("preempt_timeout_ms", r.PreemptTimeout, d.Reset.PreemptTimeout),
                MsLine("stop_timeout_ms", r.StopTimeout, d.Reset.StopTimeout),
                Line("hangcheck", r.HeartbeatInterval > TimeSpan.Zero ? "enabled (heartbeat)" : "disabled", null),
            ]),
            new("reset",
            [
                Line("capabilities", Capabilities(r.EngineResetEnabled, r.FullResetEnabled), Capabilities(d.Reset.EngineResetEnabled, d.Reset.FullResetEnabled)),
                BoolLine("engine_reset", r.EngineResetEnabled, d.Reset.EngineResetEnabled),
                BoolLine("full_reset", r.FullResetEnabled, d.Reset.FullResetEnabled),
                IntLine("full_reset_retries", Reset.Recovery.GtReset.FullResetRetries, null),
                MsLine("wedge_on_timeout_ms", r.WedgeTimeout, d.Reset.WedgeTimeout),
                MsLine("unwedge_wait_ms", r.UnwedgeWaitTimeout, d.Reset.UnwedgeWaitTimeout),
                BoolLine("error_capture", r.CaptureErrorState, d.Reset.CaptureErrorState),
            ]),
            new("bans",
            [
                MsLine("ban_window_ms", r.BanWindow, d.Reset.BanWindow),
                IntLine("hangs_to_ban", r.HangsToBan, d.Reset.HangsToBan),
                MsLine("client_fast_hang_window_ms", r.ClientFastHangWindow, d.Reset.ClientFastHangWindow),
                Line("client_ban_score", "9 (+3 per banned context, +1 per fast hang)", null),
            ]),
        };
        foreach (EngineId engine in EngineIds.All)
        {
            bool busyPoll = gt.Engine.BusyPoll || (gt.BusyPollEngines & engine.Mask()) != 0;
            sections.Add(new InfoSection(engine.Name(),
            [
                Line("class", $"{engine.Class().ToString().ToLowerInvariant()} ({(int)engine.Class()})", null),
                IntLine("instance", 0, null),
                Line("mask", $"0x{engine.Mask():x}", null) with { Json = JsonValue.Create(engine.Mask()) },
                MsLine("heartbeat_interval_ms", r.HeartbeatInterval, d.Reset.HeartbeatInterval),
                MsLine("preempt_timeout_ms", r.PreemptTimeout, d.Reset.PreemptTimeout),
                MsLine("timeslice_duration_ms", gt.Engine.TimesliceDuration, d.Gt.Engine.TimesliceDuration),
                LongLine("max_busywait_duration_ns", gt.Engine.MaxBusywaitDurationNs, d.Gt.Engine.MaxBusywaitDurationNs),
                Line("reset", Capabilities(r.EngineResetEnabled, r.FullResetEnabled), Capabilities(d.Reset.EngineResetEnabled, d.Reset.FullResetEnabled)),
                MsLine("park_timeout_ms", gt.Engine.ParkTimeout, d.Gt.Engine.ParkTimeout),
                Line("idle", busyPoll ? "busy-poll" : "sleep", "sleep"),
            ]));
        }
        return sections;
    }

    /// <summary>A line; its default is kept only when it differs from the value.</summary>
    private static InfoLine Line(string key, string value, string? defaultValue) =>
        new(key, value, defaultValue is not null && defaultValue != value ? defaultValue : null);

    /// <summary>"512 MiB" in the text; <c>"memory_mib": 512</c> in JSON.</summary>
    private static InfoLine MibLine(string key, long bytes, long defaultBytes) =>
        Line(key, Mib(bytes), Mib(defaultBytes)) with { Json = JsonValue.Create(bytes >> 20), JsonKey = key + "_mib" };

    /// <summary>Milliseconds (the key says so): a number in JSON.</summary>
    private static InfoLine MsLine(string key, TimeSpan value, TimeSpan defaultValue) =>
        Line(key, Ms(value), Ms(defaultValue)) with { Json = JsonValue.Create(Math.Round(value.TotalMilliseconds, 3)) };

    /// <summary>"yes"/"no" in the text (as debugfs writes it); true/false in JSON.</summary>
    private static InfoLine BoolLine(string key, bool value, bool defaultValue) =>
        Line(key, YesNo(value), YesNo(defaultValue)) with { Json = JsonValue.Create(value) };

    private static InfoLine LongLine(string key, long value, long defaultValue) =>
        Line(key, value.ToString(CultureInfo.InvariantCulture), defaultValue.ToString(CultureInfo.InvariantCulture)) with { Json = JsonValue.Create(value) };

    private static InfoLine IntLine(string key, int value, int? defaultValue) =>
        Line(key, N(value), defaultValue is { } d ? N(d) : null) with { Json = JsonValue.Create(value) };

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
