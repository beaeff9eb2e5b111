namespace Driver.Core.Ggtt;

/// <summary>
/// How a surface's bytes are laid out in its buffer object (I915_TILING_*). The CPU sees a tiled surface linearly
/// only through a GTT mmap whose aperture range is covered by a fence (detiling) register.
/// </summary>
public enum TilingMode
{
    /// <summary>Linear: row after row, <c>offset = y * stride + x</c>.</summary>
    None = 0,

    /// <summary>X-major tiles of 512 bytes × 8 rows (4 KiB), each tile row-major inside.</summary>
    X = 1,

    /// <summary>Y-major tiles of 128 bytes × 32 rows (4 KiB) made of 16-byte OWord columns, column-major inside.</summary>
    Y = 2,
}
