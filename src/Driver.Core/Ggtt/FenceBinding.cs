namespace Driver.Core.Ggtt;

/// <summary>
/// A fence register handed to an owner: which register, the value written to it, and the detiler of the surface it
/// covers. Immutable: stealing or releasing the register invalidates the binding instead of changing it.
/// </summary>
public sealed class FenceBinding
{
    internal FenceBinding(int index, FenceValue value, long size)
    {
        Index = index;
        Value = value;
        Start = value.Start;
        Size = (uint)size;
        Surface = new TiledSurface(value.Tiling, value.Stride);
    }

    /// <summary>Register number.</summary>
    public int Index { get; }

    /// <summary>The value written to the register (VALID).</summary>
    public FenceValue Value { get; }

    /// <summary>GGTT address of the first covered byte.</summary>
    public uint Start { get; }

    /// <summary>Bytes covered (page multiple; may be 2^32 - 4096 at most).</summary>
    public uint Size { get; }

    /// <summary>Detiler of the covered surface.</summary>
    public TiledSurface Surface { get; }

    /// <inheritdoc/>
    public override string ToString() => $"fence{Index} {Value}";
}
