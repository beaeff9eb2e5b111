using Driver.Core.Ggtt;

namespace Driver.Core.Tests.Tiling;

public class TileGeometryTests
{
    public static TheoryData<TilingMode, int> Strides => new()
    {
        { TilingMode.X, 512 }, { TilingMode.X, 1024 }, { TilingMode.X, 1536 }, { TilingMode.X, 2048 }, { TilingMode.X, 5120 },
        { TilingMode.Y, 128 }, { TilingMode.Y, 384 }, { TilingMode.Y, 512 }, { TilingMode.Y, 640 }, { TilingMode.Y, 4096 },
    };

    [Fact]
    public void XTileIsRowMajorInside512ByEightTiles()
    {
        // Row 0 of tile 0 is bytes 0..511; row 1 starts at 512; the next tile to the right starts at 4096.
        Assert.Equal(0, TileGeometry.TiledOffset(TilingMode.X, 1024, 0, 0));
        Assert.Equal(511, TileGeometry.TiledOffset(TilingMode.X, 1024, 511, 0));
        Assert.Equal(512, TileGeometry.TiledOffset(TilingMode.X, 1024, 0, 1));
        Assert.Equal(4096, TileGeometry.TiledOffset(TilingMode.X, 1024, 512, 0));
        Assert.Equal(7 * 512 + 5, TileGeometry.TiledOffset(TilingMode.X, 1024, 5, 7));
        // Row 8 starts the second tile row: two tiles per row at stride 1024.
        Assert.Equal(2 * 4096, TileGeometry.TiledOffset(TilingMode.X, 1024, 0, 8));
        Assert.Equal(3 * 4096 + 2 * 512 + 3, TileGeometry.TiledOffset(TilingMode.X, 1024, 515, 10));
    }

    [Fact]
    public void YTileIsOWordColumnsLaidOutColumnMajor()
    {
        // Column 0 (bytes 0..15 of each row) holds rows 0..31 one after another: 512 bytes.
        Assert.Equal(0, TileGeometry.TiledOffset(TilingMode.Y, 256, 0, 0));
        Assert.Equal(15, TileGeometry.TiledOffset(TilingMode.Y, 256, 15, 0));
        Assert.Equal(16, TileGeometry.TiledOffset(TilingMode.Y, 256, 0, 1));
        Assert.Equal(31 * 16 + 15, TileGeometry.TiledOffset(TilingMode.Y, 256, 15, 31));
        // Byte 16 of row 0 is the top of the second column.
        Assert.Equal(512, TileGeometry.TiledOffset(TilingMode.Y, 256, 16, 0));
        Assert.Equal(7 * 512 + 3 * 16 + 4, TileGeometry.TiledOffset(TilingMode.Y, 256, 7 * 16 + 4, 3));
        // x = 128 is the next tile; y = 32 the next tile row (two tiles per row at stride 256).
        Assert.Equal(4096, TileGeometry.TiledOffset(TilingMode.Y, 256, 128, 0));
        Assert.Equal(2 * 4096, TileGeometry.TiledOffset(TilingMode.Y, 256, 0, 32));
    }

    [Theory]
    [MemberData(nameof(Strides))]
    public void EveryByteRoundTripsAndTheLayoutIsAPermutation(TilingMode mode, int stride)
    {
        // Exhaustive over a surface of two tile rows: (x, y) → offset → (x, y), and every offset used once.
        int rows = 2 * TileGeometry.TileHeight(mode);
        int size = stride * rows;
        bool[] seen = new bool[size];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < stride; x++)
            {
                long offset = TileGeometry.TiledOffset(mode, stride, x, y);
                Assert.InRange(offset, 0, size - 1);
                Assert.False(seen[offset], $"offset {offset} used twice");
                seen[offset] = true;
                Assert.Equal((x, y), TileGeometry.LinearPosition(mode, stride, offset));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Strides))]
    public void RandomOffsetsRoundTripOnTallSurfaces(TilingMode mode, int stride)
    {
        var rng = new Random(stride * 31 + (int)mode);
        int rows = TileGeometry.TileHeight(mode) * 37;
        long size = (long)stride * rows;
        for (int i = 0; i < 20_000; i++)
        {
            long linear = rng.NextInt64(size);
            long tiled = TileGeometry.LinearToTiled(mode, stride, linear);
            Assert.InRange(tiled, 0, size - 1);
            Assert.Equal(linear, TileGeometry.TiledToLinear(mode, stride, tiled));
            long tiledAny = rng.NextInt64(size);
            Assert.Equal(tiledAny, TileGeometry.LinearToTiled(mode, stride, TileGeometry.TiledToLinear(mode, stride, tiledAny)));
        }
    }

    [Theory]
    [MemberData(nameof(Strides))]
    public void FastDetilerMatchesTheReferenceMath(TilingMode mode, int stride)
    {
        var surface = new TiledSurface(mode, stride);
        var rng = new Random(stride + 7 * (int)mode);
        long size = (long)stride * TileGeometry.TileHeight(mode) * 64;
        for (int i = 0; i < 20_000; i++)
        {
            uint linear = (uint)rng.NextInt64(size) & ~3u;
            Assert.Equal(TileGeometry.LinearToTiled(mode, stride, linear), surface.LinearToTiled(linear));
        }
        // The edges: first and last byte of the surface.
        Assert.Equal(0u, surface.LinearToTiled(0));
        Assert.Equal(TileGeometry.LinearToTiled(mode, stride, size - 1), surface.LinearToTiled((uint)(size - 1)));
    }

    [Fact]
    public void FastDivisorIsExactAcrossTheWholeRange()
    {
        var rng = new Random(3);
        foreach (uint d in new uint[] { 2, 3, 7, 128, 384, 512, 640, 1536, 5120, 262144, 0xfffffffb })
        {
            var fd = new FastDivisor(d);
            foreach (uint n in new uint[] { 0, 1, d - 1, d, d + 1, uint.MaxValue, uint.MaxValue - 1 })
            {
                Assert.Equal(n / d, fd.Divide(n));
            }

            for (int i = 0; i < 10_000; i++)
            {
                uint n = (uint)rng.NextInt64(1L << 32);
                Assert.Equal(n / d, fd.Divide(n));
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDivisor(1));
    }

    [Theory]
    [InlineData(TilingMode.X, 0)]
    [InlineData(TilingMode.X, 256)]
    [InlineData(TilingMode.X, 640)]
    [InlineData(TilingMode.Y, 64)]
    [InlineData(TilingMode.Y, 200)]
    [InlineData(TilingMode.Y, -128)]
    [InlineData(TilingMode.Y, 512 * 1024)]
    [InlineData(TilingMode.None, 512)]
    [InlineData((TilingMode)9, 512)]
    public void BadStridesAreRejected(TilingMode mode, int stride)
    {
        Assert.False(TileGeometry.IsValidStride(mode, stride));
        Assert.ThrowsAny<ArgumentException>(() => TileGeometry.TiledOffset(mode, stride, 0, 0));
        Assert.ThrowsAny<ArgumentException>(() => new TiledSurface(mode, stride));
    }

    [Fact]
    public void SurfaceMustBeWholeTileRows()
    {
        Assert.True(TileGeometry.IsValidSurface(TilingMode.X, 1024, 8192));
        Assert.False(TileGeometry.IsValidSurface(TilingMode.X, 1024, 4096));
        Assert.True(TileGeometry.IsValidSurface(TilingMode.Y, 128, 4096));
        Assert.False(TileGeometry.IsValidSurface(TilingMode.Y, 256, 4096));
    }
}
