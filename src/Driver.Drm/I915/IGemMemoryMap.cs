using Driver.Core.Memory;

namespace Driver.Drm.I915;

/// <summary>
/// Where a GEM object's pages lie in the shared memory arena, for mmap of the device node. The arena (a memfd both
/// the simulator and its clients map) belongs to the memory model; until that lands the driver codes against this
/// seam, and <see cref="UnbackedGemMemoryMap"/> answers -ENODEV.
/// </summary>
public interface IGemMemoryMap
{
    /// <summary>The arena runs backing bytes [0, <paramref name="length"/>) of <paramref name="bo"/>, in order: 0 or a negative errno.</summary>
    int Runs(BufferObject bo, ulong length, out IReadOnlyList<ArenaRun> runs);
}
