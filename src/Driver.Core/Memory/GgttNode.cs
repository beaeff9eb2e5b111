namespace Driver.Core.Memory;

/// <summary>A range of the GGTT address space bound to one buffer object (a drm_mm node / i915_vma).</summary>
public sealed class GgttNode(BufferObject bo, uint offset, long size)
{
    /// <summary>The bound object.</summary>
    public BufferObject Object { get; } = bo;

    /// <summary>GGTT address of the first byte.</summary>
    public uint Offset { get; } = offset;

    /// <summary>Size in bytes.</summary>
    public long Size { get; } = size;

    /// <summary>One past the last byte.</summary>
    public long End => Offset + Size;
}
