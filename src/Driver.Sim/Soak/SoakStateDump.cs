using System.Globalization;
using System.Text;
using Driver.Core.Contexts;
using Driver.Engines.Execution;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// The state a deadlock report prints: every engine (counters, active request, parked, held, cancel pending), every
/// client (contexts, objects, ban score, closed) and the reset flags (wedged, backoff, the engine-reset bits).
/// Read without taking the driver's locks beyond what its accessors take: a deadlocked driver may hold them.
/// </summary>
internal static class SoakStateDump
{
    /// <summary>The device's state as indented lines.</summary>
    public static string Describe(GpuDevice device)
    {
        var sb = new StringBuilder();
        sb.AppendLine("engines:");
        foreach (Engine e in device.Gt.Engines)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {e.Name}: submitted {e.Submitted}, completed {e.Completed}, active {e.Active?.ToString() ?? "none"}, " +
                $"busy {YesNo(e.IsBusy)}, parked {YesNo(e.IsParked)}, held between safe points {YesNo(e is ExeclistsEngine { IsHeldBetweenSafePoints: true })}, " +
                $"cancel pending {YesNo(e.IsCancelPending)}, resets {e.ResetGeneration}, safe points {e.SafePoints}");
        }

        sb.AppendLine("clients:");
        foreach (Client c in device.Clients)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {c.Name} (id {c.Id}): {c.Contexts.Count} contexts, {c.Objects.Count} objects, ban score {c.BanScore}" +
                $"{(c.IsBanned ? ", banned" : "")}{(c.IsClosed ? ", closed" : "")}");
        }

        sb.AppendLine(CultureInfo.InvariantCulture,
            $"reset flags: wedged {YesNo(device.Reset.IsWedged)}, backoff {YesNo(device.Reset.IsBackoff)}, " +
            $"raw 0x{device.Reset.FlagsSnapshot:x}; {device.Reset.ResetCount} full resets, {device.Reset.TotalEngineResets} engine resets, " +
            $"{device.Reset.WedgeCount} wedges");
        return sb.ToString();
    }

    private static string YesNo(bool b) => b ? "yes" : "no";
}
