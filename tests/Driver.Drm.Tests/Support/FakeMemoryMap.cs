using Driver.Core.Memory;
using Driver.Drm.I915;

namespace Driver.Drm.Tests.Support;

/// <summary>An arena stand-in: each object is one run at a fixed offset per object id.</summary>
public sealed class FakeMemoryMap : IGemMemoryMap
{
    /// <summary>Where object <c>id</c>'s run starts.</summary>
    public static long ArenaOffset(BufferObject bo) => bo.Id << 20;

    /// <inheritdoc/>
    public int Runs(BufferObject bo, ulong length, out IReadOnlyList<ArenaRun> runs)
    {
        runs = [new ArenaRun(ArenaOffset(bo), (long)length)];
        return 0;
    }
}
