using System.Runtime.CompilerServices;

namespace Driver.Core.Ggtt;

/// <summary>
/// The detiler's fast path for one surface (tiling mode + stride): linear byte offset → tiled byte offset with a
/// multiplication instead of divisions. Same results as <see cref="TileGeometry.LinearToTiled"/> (tested
/// against it); the bit layout is explained there and in docs/tiling.md. Immutable.
/// </summary>
public sealed class TiledSurface
{
    private readonly FastDivisor _stride;
    private readonly uint _tilesPerRow;
    private readonly bool _isY;

    /// <summary>Creates the detiler of an X- or Y-tiled surface; ArgumentException for a bad mode or stride.</summary>
    public TiledSurface(TilingMode mode, int stride)
    {
        if (!TileGeometry.IsValidStride(mode, stride))
        {
            throw new ArgumentException($"stride {stride} is not valid for {mode} tiling", nameof(stride));
        }

        Mode = mode;
        Stride = stride;
        _stride = new FastDivisor((uint)stride);
        _tilesPerRow = (uint)(stride / TileGeometry.TileWidth(mode));
        _isY = mode == TilingMode.Y;
    }

    /// <summary>Tiling mode (X or Y).</summary>
    public TilingMode Mode { get; }

    /// <summary>Bytes per row.</summary>
    public int Stride { get; }

    /// <summary>
    /// Tiled offset of the byte at <paramref name="linear"/> = y·stride + x. X: tile (y/8, x/512), inside it
    /// (y%8)·512 + x%512. Y: tile (y/32, x/128), inside it column (x%128)/16 · 512 + (y%32)·16 + x%16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint LinearToTiled(uint linear)
    {
        uint y = _stride.Divide(linear);
        uint x = linear - y * (uint)Stride;
        if (_isY)
        {
            uint tile = (y >> 5) * _tilesPerRow + (x >> 7);
            return (tile << 12) | (((x >> 4) & 7) << 9) | ((y & 31) << 4) | (x & 15);
        }
        else
        {
            uint tile = (y >> 3) * _tilesPerRow + (x >> 9);
            return (tile << 12) | ((y & 7) << 9) | (x & 511);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Mode}-tiled, stride {Stride}";
}
