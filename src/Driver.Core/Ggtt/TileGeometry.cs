namespace Driver.Core.Ggtt;

/// <summary>
/// The address math of tiled surfaces, written for clarity (the reference the fast <see cref="TiledSurface"/> is
/// tested against). A surface has a stride (bytes per row, a multiple of the tile width) and is stored as a grid
/// of 4 KiB tiles, <c>stride / tileWidth</c> tiles per tile row, tile rows one after the other. No bit-6 swizzling
/// (as on platforms where the memory controller does not swizzle). See docs/tiling.md.
/// </summary>
/// <remarks>
/// <para>X tile: 512 bytes wide, 8 rows. Inside the tile the rows follow each other:
/// <c>within = (y % 8) * 512 + (x % 512)</c>.</para>
/// <para>Y tile: 128 bytes wide, 32 rows, made of eight OWord (16-byte) columns. Inside the tile the columns follow
/// each other and each column holds its 32 rows of 16 bytes: <c>within = (x % 128 / 16) * 512 + (y % 32) * 16 +
/// x % 16</c>. Walking down a column is thus sequential in memory, which is what makes Y tiling good for
/// vertical access.</para>
/// <para>For both: <c>tile = (y / tileHeight) * (stride / tileWidth) + x / tileWidth</c> and
/// <c>offset = tile * 4096 + within</c>.</para>
/// </remarks>
public static class TileGeometry
{
    /// <summary>Bytes in one tile (a page).</summary>
    public const int TileSize = 4096;

    /// <summary>Width of an OWord column of a Y tile, in bytes.</summary>
    public const int OWordBytes = 16;

    /// <summary>Largest stride a fence register can describe (gen7: 2048 units of 128 bytes).</summary>
    public const int MaxStride = 256 * 1024;

    /// <summary>Tile width in bytes (1 for linear: any stride).</summary>
    public static int TileWidth(TilingMode mode) => mode switch
    {
        TilingMode.X => 512,
        TilingMode.Y => 128,
        TilingMode.None => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown tiling mode"),
    };

    /// <summary>Tile height in rows (1 for linear).</summary>
    public static int TileHeight(TilingMode mode) => mode switch
    {
        TilingMode.X => 8,
        TilingMode.Y => 32,
        TilingMode.None => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown tiling mode"),
    };

    /// <summary>Whether <paramref name="mode"/> is one of the defined modes.</summary>
    public static bool IsDefined(TilingMode mode) => mode is TilingMode.None or TilingMode.X or TilingMode.Y;

    /// <summary>
    /// Whether a tiled surface of <paramref name="stride"/> bytes per row can be fenced: a positive multiple of the
    /// tile width, at most <see cref="MaxStride"/>. Always false for <see cref="TilingMode.None"/>.
    /// </summary>
    public static bool IsValidStride(TilingMode mode, int stride) =>
        mode is TilingMode.X or TilingMode.Y && stride > 0 && stride <= MaxStride && stride % TileWidth(mode) == 0;

    /// <summary>
    /// Whether a buffer of <paramref name="size"/> bytes holds a whole number of tile rows of the surface (so
    /// that the tiled layout is a permutation of the buffer's bytes).
    /// </summary>
    public static bool IsValidSurface(TilingMode mode, int stride, long size) =>
        IsValidStride(mode, stride) && size > 0 && size % ((long)stride * TileHeight(mode)) == 0;

    /// <summary>Byte offset in the tiled buffer of byte (<paramref name="x"/>, <paramref name="y"/>) of the surface.</summary>
    public static long TiledOffset(TilingMode mode, int stride, int x, int y)
    {
        CheckStride(mode, stride);
        if (x < 0 || x >= stride)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x must be inside the row");
        }

        if (y < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(y), y, "y must not be negative");
        }

        int width = TileWidth(mode), height = TileHeight(mode);
        long tile = (long)(y / height) * (stride / width) + x / width;
        int tx = x % width, ty = y % height;
        int within = mode == TilingMode.X
            ? ty * width + tx
            : tx / OWordBytes * (height * OWordBytes) + ty * OWordBytes + tx % OWordBytes;
        return tile * TileSize + within;
    }

    /// <summary>The surface byte (x, y) stored at <paramref name="tiledOffset"/> of the tiled buffer.</summary>
    public static (int X, int Y) LinearPosition(TilingMode mode, int stride, long tiledOffset)
    {
        CheckStride(mode, stride);
        if (tiledOffset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tiledOffset), tiledOffset, "offset must not be negative");
        }

        int width = TileWidth(mode), height = TileHeight(mode), tilesPerRow = stride / width;
        long tile = tiledOffset / TileSize;
        int within = (int)(tiledOffset % TileSize);
        int tileX = (int)(tile % tilesPerRow);
        long tileY = tile / tilesPerRow;
        int tx, ty;
        if (mode == TilingMode.X)
        {
            tx = within % width;
            ty = within / width;
        }
        else
        {
            int column = within / (height * OWordBytes), inColumn = within % (height * OWordBytes);
            tx = column * OWordBytes + inColumn % OWordBytes;
            ty = inColumn / OWordBytes;
        }
        return (tileX * width + tx, checked((int)(tileY * height + ty)));
    }

    /// <summary>Tiled offset of the byte at linear offset <paramref name="linearOffset"/> (= y * stride + x).</summary>
    public static long LinearToTiled(TilingMode mode, int stride, long linearOffset)
    {
        CheckStride(mode, stride);
        if (linearOffset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(linearOffset), linearOffset, "offset must not be negative");
        }

        return TiledOffset(mode, stride, (int)(linearOffset % stride), checked((int)(linearOffset / stride)));
    }

    /// <summary>Linear offset (y * stride + x) of the byte stored at tiled offset <paramref name="tiledOffset"/>.</summary>
    public static long TiledToLinear(TilingMode mode, int stride, long tiledOffset)
    {
        (int x, int y) = LinearPosition(mode, stride, tiledOffset);
        return (long)y * stride + x;
    }

    private static void CheckStride(TilingMode mode, int stride)
    {
        if (!IsValidStride(mode, stride))
        {
            throw new ArgumentException($"stride {stride} is not valid for {mode} tiling (a positive multiple of the tile width up to {MaxStride})", nameof(stride));
        }
    }
}
