namespace Driver.Fuzz;

/// <summary>A uAPI fuzz case: one call sequence per thread, run concurrently over shared clients.</summary>
public sealed record UapiCase(IReadOnlyList<UapiOp[]> Threads)
{
    /// <inheritdoc/>
    public override string ToString() => string.Join(Environment.NewLine,
        Threads.Select((ops, t) => $"thread {t}:{Environment.NewLine}" + string.Join(Environment.NewLine, ops.Select(op => $"  {op}"))));
}
