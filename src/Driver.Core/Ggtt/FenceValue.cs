namespace Driver.Core.Ggtt;

/// <summary>
/// The 64-bit value of a fence register, as two 32-bit halves (modelled on gen6+ FENCE_REG_SANDYBRIDGE):
/// <list type="bullet">
/// <item>Low half: bits 31:12 start address (page aligned), bit 1 Y tiling (else X), bit 0 VALID.</item>
/// <item>High half: bits 31:12 address of the last page of the range, bits 11:0 pitch in 128-byte units minus 1.</item>
/// </list>
/// The hardware detiles an aperture access whose address lies in [start, last page + 4095] of a VALID register.
/// </summary>
public readonly record struct FenceValue(uint Low, uint High)
{
    /// <summary>VALID, bit 0 of the low half.</summary>
    public const uint ValidBit = 1u << 0;

    /// <summary>Y tiling, bit 1 of the low half.</summary>
    public const uint TilingYBit = 1u << 1;

    /// <summary>Pitch unit in bytes.</summary>
    public const int PitchUnit = 128;

    private const uint PageMask = 0xfffff000;
    private const uint PitchMask = 0xfff;

    /// <summary>The cleared register (what a hardware reset leaves).</summary>
    public static FenceValue Cleared => default;

    /// <summary>
    /// Encodes a VALID register over [<paramref name="start"/>, start + <paramref name="size"/>) for a surface of
    /// <paramref name="tiling"/> and <paramref name="stride"/>. ArgumentException when the range is not whole pages
    /// inside the 32-bit GGTT or the tiling/stride cannot be fenced.
    /// </summary>
    public static FenceValue Encode(uint start, long size, TilingMode tiling, int stride)
    {
        if (!TileGeometry.IsValidStride(tiling, stride))
        {
            throw new ArgumentException($"{tiling} tiling with stride {stride} cannot be fenced", nameof(stride));
        }

        if ((start & ~PageMask) != 0 || size <= 0 || size % TileGeometry.TileSize != 0 || start + size > 1L << 32)
        {
            throw new ArgumentException($"fence range 0x{start:x}+0x{size:x} is not whole pages inside the GGTT", nameof(size));
        }

        uint last = (uint)(start + size - TileGeometry.TileSize);
        uint low = start | (tiling == TilingMode.Y ? TilingYBit : 0) | ValidBit;
        uint high = last | (uint)(stride / PitchUnit - 1);
        return new FenceValue(low, high);
    }

    /// <summary>Whether the register is VALID.</summary>
    public bool IsValid => (Low & ValidBit) != 0;

    /// <summary>First byte covered.</summary>
    public uint Start => Low & PageMask;

    /// <summary>Last byte covered.</summary>
    public uint Last => (High & PageMask) | ~PageMask;

    /// <summary>Tiling mode of the covered surface.</summary>
    public TilingMode Tiling => (Low & TilingYBit) != 0 ? TilingMode.Y : TilingMode.X;

    /// <summary>Stride of the covered surface, in bytes.</summary>
    public int Stride => (int)((High & PitchMask) + 1) * PitchUnit;

    /// <summary>Whether the register is VALID and covers <paramref name="address"/>.</summary>
    public bool Covers(uint address) => IsValid && address >= Start && address <= Last;

    /// <inheritdoc/>
    public override string ToString() =>
        IsValid ? $"[0x{Start:x8}..0x{Last:x8}] {Tiling} stride {Stride}" : $"invalid (lo 0x{Low:x8} hi 0x{High:x8})";
}
