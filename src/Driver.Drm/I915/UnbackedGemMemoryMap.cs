using Driver.Core.Errors;
using Driver.Core.Memory;

namespace Driver.Drm.I915;

/// <summary>
/// The memory map while GEM pages are managed arrays, not an arena: no object can be mapped into another process
/// (-ENODEV, what i915_gem_mmap answers for an object it cannot map). GEM_MMAP_OFFSET still hands out offsets.
/// </summary>
public sealed class UnbackedGemMemoryMap : IGemMemoryMap
{
    /// <inheritdoc/>
    public int Runs(BufferObject bo, ulong length, out IReadOnlyList<ArenaRun> runs)
    {
        runs = [];
        return -Errno.ENODEV;
    }
}
