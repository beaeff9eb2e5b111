namespace Driver.Fuzz;

/// <summary>An address operand: a <see cref="AddressKind"/> and a dword index within it (or the raw value).</summary>
public readonly record struct FuzzAddress(AddressKind Kind, uint Value)
{
    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        AddressKind.Breadcrumb or AddressKind.Zero => Kind.ToString(),
        AddressKind.Raw => $"0x{Value:x}",
        _ => $"{Kind}[{Value}]",
    };
}
