using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Igt.Lib;

/// <summary>sync_file helpers (lib/sw_sync.c): merge, status, wait, count.</summary>
public static class IgtSync
{
    /// <summary>
    /// SYNC_IOC_MERGE: a fence that signals once both have; merged fences are flattened and fences of one timeline
    /// collapsed to the later one, as sync_file merges fence arrays.
    /// </summary>
    public static DmaFence Merge(DmaFence a, DmaFence b)
    {
        var byContext = new Dictionary<ulong, DmaFence>();
        var unnamed = new List<DmaFence>();
        foreach (DmaFence? f in Flatten(a).Concat(Flatten(b)))
        {
            if (f.FenceContext == 0) { unnamed.Add(f); continue; }
            if (!byContext.TryGetValue(f.FenceContext, out DmaFence? have) || (int)(f.Seqno - have.Seqno) > 0)
            {
                byContext[f.FenceContext] = f;
            }
        }
        return new MergedFence([.. byContext.Values, .. unnamed.Distinct()]);
    }

    /// <summary>How many fences a (merged) fence holds (sync_fence_count).</summary>
    public static int Count(DmaFence f) => Flatten(f).Count();

    /// <summary>sync_fence_status: 0 busy, 1 signalled, negative errno on error.</summary>
    public static int Status(DmaFence f) => f.Status;

    /// <summary>Whether the fence has not signalled yet (poll() returns 0).</summary>
    public static bool Busy(DmaFence f) => !f.IsSignaled;

    /// <summary>sync_fence_wait: 0 once signalled, -ETIME after <paramref name="timeout"/>.</summary>
    public static int Wait(DmaFence f, TimeSpan timeout) => f.Wait(timeout) ? 0 : -Errno.ETIME;

    private static IEnumerable<DmaFence> Flatten(DmaFence f) => f is MergedFence m ? m.Members.SelectMany(Flatten) : [f];
}
