using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;

namespace Driver.Reset.Capture;

/// <summary>
/// Builds error states (i915_gpu_coredump): reads each hung engine's head, active request and the batch dwords
/// around the head through the GGTT. The hung engine is stuck, so what it reads is stable; other state is a snapshot.
/// </summary>
public sealed class ErrorCapture(IntelGt gt, ErrorStateStore store)
{
    /// <summary>Dwords captured before the head.</summary>
    public const int DwordsBefore = 8;

    /// <summary>Dwords captured from the head on.</summary>
    public const int DwordsAfter = 24;

    /// <summary>Captures the engines in <paramref name="engineMask"/>.</summary>
    public GpuErrorState Capture(uint engineMask, string reason)
    {
        var engines = new List<EngineErrorState>();
        string? guilty = null;
        foreach (Engine engine in gt.Engines)
        {
            if ((engineMask & engine.Id.Mask()) == 0)
            {
                continue;
            }

            Request? active = engine.Active;
            if (active is not null && guilty is null && !active.Context.IsKernel)
            {
                guilty = active.Context.ToString();
            }

            engines.Add(CaptureEngine(engine, active));
        }
        return store.Add(id => new GpuErrorState(id, DateTime.UtcNow, reason, engineMask, guilty, engines));
    }

    private EngineErrorState CaptureEngine(Engine engine, Request? active)
    {
        uint head = engine.Head;
        var dwords = new List<uint>();
        uint from = head >= DwordsBefore * 4 ? head - DwordsBefore * 4 : 0;
        if (active is not null && from < active.BatchAddress)
        {
            from = active.BatchAddress;
        }

        if (active is not null)
        {
            for (uint a = from; a < head + DwordsAfter * 4; a += 4)
            {
                if (!gt.Ggtt.TryRead(a, out uint v))
                {
                    break;
                }

                dwords.Add(v);
            }
        }
        string? fault = engine.LastFault is { } f && f.Request == active ? f.ToString() : null;
        return new EngineErrorState(engine.Name, head, active is null ? null : Describe(active),
            active?.BatchAddress ?? 0, from, dwords, fault, []);
    }

    private static CapturedRequest Describe(Request rq) =>
        new(rq.Context.ToString(), rq.Seqno, rq.BatchAddress, rq.Status, rq.Started);
}
