namespace Driver.Fuzz;

/// <summary>One execbuf of a batch case: engine number (may be invalid), context (0 default, 1 a second one), batch offset.</summary>
public sealed record BatchSubmit(int Engine, int Context, long BatchOffset)
{
    /// <inheritdoc/>
    public override string ToString() => $"engine {Engine} ctx {Context} offset {BatchOffset}";
}
