namespace Driver.Fuzz;

/// <summary>
/// A batch fuzz case: the program laid at the start of the batch object (the rest is zero: NOOPs up to the end),
/// the batch object's size in pages, the random dwords of the "other" object, the execbufs, and how long the batches
/// may run before their client is closed (which kills whatever still runs).
/// </summary>
public sealed record BatchCase(IReadOnlyList<FuzzInstruction> Program, int BatchPages, IReadOnlyList<uint> OtherDwords,
    IReadOnlyList<BatchSubmit> Submits, int RunMs)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"batch of {BatchPages} page(s), run {RunMs} ms, submits [{string.Join("; ", Submits)}], other [{string.Join(" ", OtherDwords.Select(d => $"{d:x}"))}]:" +
        Environment.NewLine + string.Join(Environment.NewLine, Program.Select((i, n) => $"  {n,3}: {i}"));
}
