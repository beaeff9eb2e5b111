using Driver.Core.Memory;

namespace Driver.Drm.I915;

/// <summary>
/// GEM objects' pages as runs of the device memory arena (the memfd the DRM server hands its clients), so a client's
/// mmap of an object maps the very pages the engines read and write.
/// </summary>
public sealed class ArenaGemMemoryMap : IGemMemoryMap
{
    private const int Einval = 22;

    /// <inheritdoc/>
    public int Runs(BufferObject bo, ulong length, out IReadOnlyList<ArenaRun> runs)
    {
        var found = new List<ArenaRun>();
        ulong left = length;
        foreach (PageRun run in bo.ArenaRuns())
        {
            if (left == 0)
            {
                break;
            }
            long take = (long)Math.Min((ulong)run.Length, left);
            found.Add(new ArenaRun(run.ArenaOffset, take));
            left -= (ulong)take;
        }
        runs = left == 0 ? found : [];
        return left == 0 ? 0 : -Einval; // a mapping past the object's end
    }
}
