using System.Runtime.CompilerServices;
using Driver.Core.Locking;

namespace Driver.Core.Ggtt;

/// <summary>
/// The fence (detiling) registers of the GGTT aperture and the driver's software copy of them (i915_fence_reg).
/// Registers are handed to tiled objects lazily, on their first GTT-mmap fault, and taken back from the least
/// recently used holder when none is free: that holder's user mappings are revoked first. A register is written in
/// the hardware's order: low half 0 (invalid), high half, low half with VALID, as two 32-bit stores that a
/// concurrent detiling lookup can observe one at a time. A full hardware reset clears every register
/// (<see cref="ClearAll"/>); <see cref="RestoreAll"/> rewrites them from the software copy (i915_gem_restore_fences).
/// </summary>
public sealed class FenceRegisterFile
{
    /// <summary>
    /// The hardware: register i is <c>_regs[2i]</c> (low half) and <c>_regs[2i+1]</c> (high half), adjacent so a
    /// lookup touches one cache line. Written only with volatile stores, read lock-free by every aperture access.
    /// </summary>
    private readonly uint[] _regs;

    /// <summary>
    /// Per register, the cause the last <see cref="ClearAll"/> was given (the reset path that cleared it), stored
    /// before the register's cleared halves (release): an access that reads a cleared register and then this
    /// (<see cref="ClearedBy"/>) learns which clear misrouted it, or a later one, never an earlier one.
    /// </summary>
    private readonly int[] _clearedBy;

    /// <summary>Software copy; guarded by <see cref="_lock"/>.</summary>
    private readonly FenceSlot[] _slots;

    /// <summary>
    /// Serialises assignment, stealing, release and restore (the kernel's ggtt->vm.mutex around fence_update).
    /// Callers of <see cref="Assign"/> hold their own object lock outside it; the reset path takes it from
    /// <see cref="RestoreAll"/>. Never taken by an aperture access.
    /// </summary>
    private readonly DriverMutex _lock = new("ggtt->fence_lock");

    // Orders the register writes and the slots' Owner/Binding updates against RestoreAll, which rewrites the
    // registers from the software copy inside a reset (a fence-signalling section). Apart from _lock because a steal
    // holds _lock across the previous holder's revoke (zap + TLB shootdown, which waits for user accesses): the reset
    // must not wait for that. Taken inside _lock; nothing is taken inside it.
    private readonly DriverMutex _regLock = new("ggtt->fence_reg_lock");

    private long _useClock;
    private long _steals;
    private long _writes;

    /// <summary>Creates a file of <paramref name="count"/> registers: 8, 16 or 32 (as across GPU generations).</summary>
    public FenceRegisterFile(int count)
    {
        if (count is not (8 or 16 or 32))
        {
            throw new ArgumentException($"a fence register file has 8, 16 or 32 registers, not {count}", nameof(count));
        }

        _regs = new uint[2 * count];
        _clearedBy = new int[count];
        _slots = new FenceSlot[count];
        for (int i = 0; i < count; i++)
        {
            _slots[i] = new FenceSlot();
        }
    }

    /// <summary>Number of registers.</summary>
    public int Count => _slots.Length;

    /// <summary>Registers taken from a previous holder (LRU steals).</summary>
    public long Steals => Interlocked.Read(ref _steals);

    /// <summary>Ordered register writes performed (assignments, releases, restores).</summary>
    public long RegisterWrites => Interlocked.Read(ref _writes);

    /// <summary>
    /// Test hook, called after each of the three stores of a register write, on the writing thread, with the
    /// register file's lock held: whatever it does (e.g. a detiling lookup from another thread) sees exactly the
    /// state between two stores. Null in normal operation.
    /// </summary>
    public Action<int, FenceWriteStep>? WriteStepHook { get; set; }

    /// <summary>The low half of register <paramref name="index"/> (start, tiling, VALID).</summary>
    /// <remarks>
    /// Read it before the high half: it is stored last, with VALID, so seeing the new low half (acquire) guarantees
    /// the high half stored before it is visible too (pairs with the release store in <see cref="WriteRegister"/>).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadLow(int index) => Volatile.Read(ref _regs[2 * index]);

    /// <summary>The high half of register <paramref name="index"/> (last page, pitch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadHigh(int index) => Volatile.Read(ref _regs[2 * index + 1]);

    /// <summary>The hardware value of register <paramref name="index"/> (low half read first).</summary>
    public FenceValue Read(int index)
    {
        CheckIndex(index);
        uint low = ReadLow(index);
        return new FenceValue(low, ReadHigh(index));
    }

    /// <summary>The software copy of register <paramref name="index"/>: what <see cref="RestoreAll"/> would write.</summary>
    public FenceValue SoftwareValue(int index)
    {
        CheckIndex(index);
        using (_lock.Acquire())
        {
            return _slots[index].Binding?.Value ?? FenceValue.Cleared;
        }
    }

    /// <summary>The holder of register <paramref name="index"/>, or null.</summary>
    public IFenceOwner? OwnerOf(int index)
    {
        CheckIndex(index);
        using (_lock.Acquire())
        {
            return _slots[index].Owner;
        }
    }

    /// <summary>
    /// Gives <paramref name="owner"/> a register covering [<paramref name="start"/>, start + <paramref name="size"/>)
    /// for a surface of <paramref name="tiling"/>/<paramref name="stride"/>: the one it already holds (made most
    /// recently used), else a free one, else the least recently used one, whose holder is first told to revoke its
    /// mappings (<see cref="IFenceOwner.RevokeFence"/>). The register is then written in the hardware's order.
    /// </summary>
    public FenceBinding Assign(IFenceOwner owner, uint start, long size, TilingMode tiling, int stride)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var value = FenceValue.Encode(start, size, tiling, stride);
        using (_lock.Acquire())
        {
            long now = ++_useClock;
            FenceSlot? victim = null;
            int victimIndex = -1;
            for (int i = 0; i < _slots.Length; i++)
            {
                FenceSlot slot = _slots[i];
                if (ReferenceEquals(slot.Owner, owner) && slot.Binding!.Value == value)
                {
                    slot.LastUse = now;
                    return slot.Binding;
                }
                // Prefer a free register; among held ones the least recently used.
                bool better = victim is null
                    || (slot.Owner is null && victim.Owner is not null)
                    || ((slot.Owner is null) == (victim.Owner is null) && slot.LastUse < victim.LastUse);
                if (better) { victim = slot; victimIndex = i; }
            }
            if (victim!.Owner is { } previous)
            {
                // Steal: the previous holder's CPU mappings must not reach the register while it changes meaning.
                previous.RevokeFence(victim.Binding!);
                Interlocked.Increment(ref _steals);
            }
            var binding = new FenceBinding(victimIndex, value, size);
            victim.LastUse = now;
            using (_regLock.Acquire())
            {
                victim.Owner = owner;
                victim.Binding = binding;
                WriteRegister(victimIndex, value);
            }

            return binding;
        }
    }

    /// <summary>
    /// Frees the register <paramref name="binding"/> names if <paramref name="owner"/> still holds it, clearing it
    /// in the hardware. The caller has already revoked its mappings.
    /// </summary>
    public void Release(IFenceOwner owner, FenceBinding binding)
    {
        using (_lock.Acquire())
        {
            FenceSlot slot = _slots[binding.Index];
            if (!ReferenceEquals(slot.Owner, owner) || !ReferenceEquals(slot.Binding, binding))
            {
                return;
            }

            using (_regLock.Acquire())
            {
                slot.Owner = null;
                slot.Binding = null;
                WriteRegister(binding.Index, FenceValue.Cleared);
            }
        }
    }

    /// <summary>
    /// What a full hardware reset does to the registers: all read as 0 (invalid) until <see cref="RestoreAll"/>.
    /// The software copy is untouched. Not ordered with assignment (the hardware does not take the driver's lock).
    /// <paramref name="cause"/> (the caller's code for the reset path) is recorded per register first, for
    /// <see cref="ClearedBy"/>.
    /// </summary>
    public void ClearAll(int cause = 0)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            // The cause before the halves (release): whoever sees this clear's zero sees this cause, or a later one.
            Volatile.Write(ref _clearedBy[i], cause);
            Volatile.Write(ref _regs[2 * i], 0);
            Volatile.Write(ref _regs[2 * i + 1], 0);
        }
    }

    /// <summary>
    /// The cause given to the last <see cref="ClearAll"/> of register <paramref name="index"/>. Read after finding
    /// the register invalid (acquire, in <see cref="ReadLow"/>): the clear that invalidated it or a later one, which
    /// cannot come in between while the reader's access is one the clearing path waits for (a revoke's shootdown).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ClearedBy(int index) => Volatile.Read(ref _clearedBy[index]);

    /// <summary>Rewrites every register from the software copy, each in the ordered way (i915_gem_restore_fences).</summary>
    public void RestoreAll()
    {
        // Only the register lock: a steal in progress (holding _lock across its revoke) then writes its own register
        // after this restore, or has already updated the copy this restore writes.
        using (_regLock.Acquire())
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                WriteRegister(i, _slots[i].Binding?.Value ?? FenceValue.Cleared);
            }
        }
    }

    /// <summary>
    /// The ordered write (fence_write): low half 0 so that the register is invalid while the high half changes,
    /// then the high half, then the low half with VALID. Release stores: a lookup that sees the final low half
    /// (acquire in <see cref="ReadLow"/>) also sees the high half. Caller holds <see cref="_regLock"/>.
    /// </summary>
    private void WriteRegister(int index, FenceValue value)
    {
        Volatile.Write(ref _regs[2 * index], 0);
        WriteStepHook?.Invoke(index, FenceWriteStep.Invalidated);
        Volatile.Write(ref _regs[2 * index + 1], value.High);
        WriteStepHook?.Invoke(index, FenceWriteStep.HighWritten);
        Volatile.Write(ref _regs[2 * index], value.Low);
        WriteStepHook?.Invoke(index, FenceWriteStep.LowWritten);
        Interlocked.Increment(ref _writes);
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_slots.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"fence registers are 0..{_slots.Length - 1}");
        }
    }
}
