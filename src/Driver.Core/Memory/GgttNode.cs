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

    /// <summary>
    /// i915_vma's pin_count: how many execbufs still hold this binding where it is (from placement until their
    /// request's fence is in the object's reservation, or until they fail). Taken under the GGTT mutex
    /// (<see cref="Ggtt.Insert"/> with pin), dropped with <see cref="Ggtt.Unpin"/>; eviction reads it under the same
    /// mutex, so a binding pinned before the eviction's unbind is never unbound.
    /// </summary>
    public bool IsPinned => Volatile.Read(ref PinCount) != 0;

    /// <summary>The pin count behind <see cref="IsPinned"/>: incremented under the GGTT mutex, decremented atomically.</summary>
    internal int PinCount;
}
