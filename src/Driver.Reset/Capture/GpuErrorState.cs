using System.Globalization;
using System.Text;

namespace Driver.Reset.Capture;

/// <summary>
/// A captured error state ("GPU crash dump", /sys/class/drm/card0/error): the reason, the guilty context, and per
/// hung engine the head, the active request, the batch dwords around the head, and the queued requests.
/// </summary>
public sealed record GpuErrorState(int Id, DateTime Time, string Reason, uint EngineMask, string? GuiltyContext,
    IReadOnlyList<EngineErrorState> Engines)
{
    /// <summary>The text dump.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.AppendLine(ci, $"GpuSim GPU error state #{Id}");
        sb.AppendLine(ci, $"Time: {Time:O}");
        sb.AppendLine(ci, $"Reason: {Reason}");
        sb.AppendLine(ci, $"Engine mask: 0x{EngineMask:x}");
        sb.AppendLine(ci, $"Guilty context: {GuiltyContext ?? "none"}");
        foreach (EngineErrorState e in Engines)
        {
            sb.AppendLine(ci, $"{e.Engine} command stream:");
            sb.AppendLine(ci, $"  ACTHD: 0x{e.Head:x8}");
            if (e.Fault is not null)
            {
                sb.AppendLine(ci, $"  Fault: {e.Fault}");
            }

            if (e.Active is { } a)
            {
                sb.AppendLine(ci, $"  Active request: {a.Context} seqno {a.Seqno} batch 0x{a.BatchAddress:x8} started {a.Started} status {a.Status}");
            }
            else
            {
                sb.AppendLine("  Active request: none");
            }

            if (e.BatchDwords.Count > 0)
            {
                sb.AppendLine(ci, $"  batch (GGTT 0x{e.BatchAddress:x8}) dwords from 0x{e.BatchDumpAddress:x8}:");
                for (int i = 0; i < e.BatchDwords.Count; i += 4)
                {
                    sb.Append(ci, $"    {e.BatchDumpAddress + (uint)i * 4:x8}:");
                    for (int j = i; j < Math.Min(i + 4, e.BatchDwords.Count); j++)
                    {
                        sb.Append(ci, $" {e.BatchDwords[j]:x8}");
                    }

                    sb.AppendLine();
                }
            }
            sb.AppendLine(ci, $"  Queued requests: {e.Queued.Count}");
            foreach (CapturedRequest q in e.Queued)
            {
                sb.AppendLine(ci, $"    {q.Context} seqno {q.Seqno} batch 0x{q.BatchAddress:x8} status {q.Status}");
            }
        }
        return sb.ToString();
    }
}
