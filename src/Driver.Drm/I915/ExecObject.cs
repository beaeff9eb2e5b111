using Driver.Core.Memory;

namespace Driver.Drm.I915;

/// <summary>One drm_i915_gem_exec_object2 of an execbuf, decoded, with the object it names and where it was placed.</summary>
public sealed class ExecObject(int index, uint handle, uint relocationCount, ulong relocsPtr, ulong alignment, ulong offset, ulong flags)
{
    /// <summary>Its index in the exec list (what HANDLE_LUT relocations name).</summary>
    public int Index { get; } = index;
    /// <summary>exec_object2.handle.</summary>
    public uint Handle { get; } = handle;
    /// <summary>exec_object2.relocation_count.</summary>
    public uint RelocationCount { get; } = relocationCount;
    /// <summary>exec_object2.relocs_ptr.</summary>
    public ulong RelocsPtr { get; } = relocsPtr;
    /// <summary>exec_object2.alignment.</summary>
    public ulong Alignment { get; } = alignment;
    /// <summary>exec_object2.offset as given (the presumed or, with EXEC_OBJECT_PINNED, the wanted address), non-canonical.</summary>
    public ulong Offset { get; } = offset;
    /// <summary>exec_object2.pad_to_size with EXEC_OBJECT_PAD_TO_SIZE, else 0 (eb_validate_vma clears it).</summary>
    public ulong PadToSize { get; init; }
    /// <summary>exec_object2.flags; a relocation with a write domain adds EXEC_OBJECT_WRITE.</summary>
    public ulong Flags { get; set; } = flags;
    /// <summary>The object.</summary>
    public BufferObject? Object { get; set; }
}
