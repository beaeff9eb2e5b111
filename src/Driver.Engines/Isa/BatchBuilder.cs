namespace Driver.Engines.Isa;

/// <summary>Accumulates instruction dwords for a batch (a small convenience over <see cref="Mi"/>).</summary>
public sealed class BatchBuilder
{
    private readonly List<uint> _dwords = new();

    /// <summary>Dwords emitted so far.</summary>
    public int Count => _dwords.Count;

    /// <summary>Byte offset of the next dword.</summary>
    public uint Offset => (uint)_dwords.Count * 4;

    /// <summary>Appends raw dwords.</summary>
    public BatchBuilder Emit(params uint[] dwords) { _dwords.AddRange(dwords); return this; }

    /// <summary>Appends NOOPs.</summary>
    public BatchBuilder Noop(int count = 1) { for (int i = 0; i < count; i++) { _dwords.Add(Mi.Noop); } return this; }

    /// <summary>Appends a store.</summary>
    public BatchBuilder StoreDword(uint address, uint value) => Emit(Mi.StoreDword(address, value));

    /// <summary>Appends a semaphore wait.</summary>
    public BatchBuilder SemaphoreWait(uint address, CompareOp op, uint data) => Emit(Mi.SemaphoreWait(address, op, data));

    /// <summary>Appends a gen8+ store (64-bit address).</summary>
    public BatchBuilder StoreDword64(ulong address, uint value) => Emit(Mi.StoreDword64(address, value));

    /// <summary>Appends a gen8+ polling semaphore wait (64-bit address).</summary>
    public BatchBuilder SemaphoreWait64(ulong address, CompareOp op, uint data) => Emit(Mi.SemaphoreWait64(address, op, data));

    /// <summary>Appends a gen8+ conditional batch end (64-bit address): continues while the compare holds.</summary>
    public BatchBuilder ConditionalEnd64(ulong address, CompareOp op, uint data) => Emit(Mi.ConditionalBatchBufferEnd64(address, op, data));

    /// <summary>Appends a gen8+ jump (64-bit address).</summary>
    public BatchBuilder Jump64(ulong address) => Emit(Mi.BatchBufferStart64(address));

    /// <summary>Appends a conditional batch end: continues while memory op data holds, ends when it fails.</summary>
    public BatchBuilder ConditionalEnd(uint address, CompareOp op, uint data) => Emit(Mi.ConditionalBatchBufferEnd(address, op, data));

    /// <summary>Appends a jump.</summary>
    public BatchBuilder Jump(uint address) => Emit(Mi.BatchBufferStart(address));

    /// <summary>Appends an arbitration point.</summary>
    public BatchBuilder ArbCheck() => Emit(Mi.ArbCheck);

    /// <summary>Appends timed work.</summary>
    public BatchBuilder Work(uint nanoseconds) => Emit(Mi.Work(nanoseconds));

    /// <summary>Appends BATCH_BUFFER_END.</summary>
    public BatchBuilder End() => Emit(Mi.BatchBufferEnd);

    /// <summary>The dwords.</summary>
    public uint[] ToArray() => _dwords.ToArray();
}
