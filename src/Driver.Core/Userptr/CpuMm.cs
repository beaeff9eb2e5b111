using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Memory;

namespace Driver.Core.Userptr;

/// <summary>
/// A simulated process address space (struct mm_struct): pages the process owns at page-aligned addresses, which a
/// CPU thread reads and writes, unmaps (<see cref="Munmap"/>) or migrates (<see cref="Migrate"/>), and whose ranges
/// drivers mirror through <see cref="MmuIntervalNotifier"/>s (userptr objects). Every change of a range with
/// subscribers runs the mmu-notifier protocol of mm/mmu_notifier.c: the mm's invalidation sequence goes odd
/// (mn_itree_inv_start_range), each overlapping subscriber's invalidate callback runs, the pages change, the sequence
/// goes even again and waiting <see cref="MmuIntervalNotifier.ReadBegin"/> callers wake (mn_itree_inv_end).
/// </summary>
/// <remarks>
/// The pages live in the mm's own <see cref="PageArena"/> (a sparse memfd on Linux), the same page type device memory
/// uses, so a userptr object's backing is a <see cref="PageList"/> like any other. A page replaced by a migration or
/// dropped by munmap is never handed out again: a driver that keeps using stale pages (a userptr binding whose
/// invalidation timed out) reads the old contents, as it would on the kernel's still-pinned page, and never another
/// mapping's memory.
/// </remarks>
public sealed class CpuMm
{
    /// <summary>The first address <see cref="Mmap"/> hands out (page 0 stays unmapped, as NULL does).</summary>
    private const long FirstAddress = 0x10000;

    /// <summary>Default arena size: virtual only (sparse), so generous; pages are never reused (see the remarks).</summary>
    private const long DefaultArenaBytes = 1L << 30;

    /// <summary>
    /// mmap_write_lock: serialises the writers (munmap, migrate) so one invalidation runs at a time, and is held across
    /// the callbacks, as the kernel's munmap holds mmap_lock. Never taken by <see cref="GetUserPages"/> (which runs
    /// under the read side in the kernel; here the page table has its own gate) nor by the driver.
    /// </summary>
    private readonly Lock _writers = new();

    /// <summary>
    /// Guards the page table, the subscriber list and <see cref="_invalidateSeq"/> (the kernel's page-table lock and
    /// subscriptions->lock), and is the wait queue of <see cref="ReadBegin"/> (subscriptions->wq). A leaf: nothing is
    /// called under it.
    /// </summary>
    private readonly object _gate = new();

    /// <summary>Address page → arena page number; guarded by <see cref="_gate"/>.</summary>
    private readonly Dictionary<long, long> _pages = new();
    private readonly List<MmuIntervalNotifier> _subs = new();

    /// <summary>subscriptions->invalidate_seq: even when idle, odd while an invalidation with subscribers runs.</summary>
    private long _invalidateSeq = 2;

    private long _next = FirstAddress;
    private long _invalidations;

    /// <summary>Creates an empty address space whose pages come from an arena of <paramref name="arenaBytes"/>.</summary>
    public CpuMm(long arenaBytes = DefaultArenaBytes)
    {
        Arena = new PageArena(arenaBytes, "gpusim-cpu-mm");
    }

    /// <summary>The arena the process's pages are in.</summary>
    public PageArena Arena { get; }

    /// <summary>Invalidations that found at least one subscriber.</summary>
    public long Invalidations => Interlocked.Read(ref _invalidations);

    /// <summary>Maps <paramref name="pages"/> fresh zeroed pages and returns their address (mmap MAP_ANONYMOUS).</summary>
    public long Mmap(int pages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        lock (_gate)
        {
            long[] numbers = AllocatePages(pages);
            long address = _next;
            // A guard page between mappings, so that a range never runs into the next mapping by accident.
            _next += (pages + 1L) * DeviceMemory.PageSize;
            for (int i = 0; i < pages; i++)
            {
                _pages.Add(address / DeviceMemory.PageSize + i, numbers[i]);
            }

            return address;
        }
    }

    /// <summary>Unmaps [<paramref name="address"/>, +<paramref name="length"/>) after invalidating its subscribers.</summary>
    public void Munmap(long address, long length) =>
        Change(new MmuNotifierRange(address, address + length, MmuNotifierEvent.Unmap));

    /// <summary>
    /// Moves the mapped pages of [<paramref name="address"/>, +<paramref name="length"/>) to new physical pages with
    /// the same contents (migrate_pages, NUMA balancing, compaction), after invalidating its subscribers.
    /// </summary>
    public void Migrate(long address, long length) =>
        Change(new MmuNotifierRange(address, address + length, MmuNotifierEvent.Migrate));

    /// <summary>A CPU load: false (SIGSEGV) when <paramref name="address"/> is not mapped or not dword aligned.</summary>
    public bool TryRead(long address, out uint value)
    {
        if (!PageAt(address, out Page page) || (address & 3) != 0) { value = 0; return false; }
        value = page.ReadDword((int)((address & 0xfff) >> 2));
        return true;
    }

    /// <summary>A CPU store: false (SIGSEGV) when <paramref name="address"/> is not mapped or not dword aligned.</summary>
    public bool TryWrite(long address, uint value)
    {
        if (!PageAt(address, out Page page) || (address & 3) != 0)
        {
            return false;
        }

        page.WriteDword((int)((address & 0xfff) >> 2), value);
        return true;
    }

    /// <summary>Whether every page of the range is mapped.</summary>
    public bool IsMapped(long address, long length)
    {
        lock (_gate)
        {
            for (long a = address; a < address + length; a += DeviceMemory.PageSize)
            {
                if (!_pages.ContainsKey(a / DeviceMemory.PageSize))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// pin_user_pages_fast: the <paramref name="count"/> pages from <paramref name="address"/> as a backing.
    /// 0, or -EFAULT when any page is not mapped (<paramref name="pages"/> is null then).
    /// </summary>
    public int GetUserPages(long address, int count, out PageList? pages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        pages = null;
        lock (_gate)
        {
            long first = address / DeviceMemory.PageSize;
            long[] numbers = new long[count];
            for (int i = 0; i < count; i++)
            {
                if (!_pages.TryGetValue(first + i, out numbers[i]))
                {
                    return -Errno.EFAULT;
                }
            }

            pages = new PageList(Arena, numbers);
            return 0;
        }
    }

    /// <summary>
    /// <paramref name="count"/> fresh zeroed pages of this mm's arena mapped at no address: a placeholder backing for a
    /// userptr object whose range is not mapped yet (nobody sees them; its first build fails with -EFAULT).
    /// </summary>
    public PageList Placeholder(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_gate)
        {
            return new PageList(Arena, AllocatePages(count));
        }
    }

    /// <summary>
    /// mmu_interval_notifier_insert: subscribes <paramref name="ops"/> to invalidations of the range. If an
    /// invalidation runs now the new subscriber's sequence is the running one, so its first
    /// <see cref="MmuIntervalNotifier.ReadBegin"/> waits for it to end; otherwise a past (odd) value that no
    /// invalidation will use again.
    /// </summary>
    public MmuIntervalNotifier InsertNotifier(long start, long length, IMmuIntervalNotifierOps ops, DriverRwLock? driverLock)
    {
        ArgumentNullException.ThrowIfNull(ops);
        lock (_gate)
        {
            long seq = (_invalidateSeq & 1) == 1 ? _invalidateSeq : _invalidateSeq - 1;
            var sub = new MmuIntervalNotifier(this, start, length, ops, driverLock, seq);
            _subs.Add(sub);
            return sub;
        }
    }

    /// <summary>
    /// mmu_interval_notifier_remove: unsubscribes; if an invalidation of the range runs now, first waits for it to end
    /// so that no callback runs after this returns (the subscriber's memory may be freed then).
    /// </summary>
    public void RemoveNotifier(MmuIntervalNotifier sub)
    {
        ArgumentNullException.ThrowIfNull(sub);
        lock (_gate)
        {
            while (sub.InvalidateSeq == _invalidateSeq)
            {
                Monitor.Wait(_gate);
            }

            _subs.Remove(sub);
            sub.IsRemoved = true;
        }
    }

    internal long ReadBegin(MmuIntervalNotifier sub)
    {
        lock (_gate)
        {
            // mn_itree_is_invalidating for this subscriber: its sequence equals the running (odd) one. Pages read
            // now could be the old ones, so wait for mn_itree_inv_end. The invalidator always ends: its callbacks'
            // waits are bounded.
            long seq = sub.InvalidateSeq;
            while (seq == _invalidateSeq)
            {
                Monitor.Wait(_gate);
            }

            return seq;
        }
    }

    private bool PageAt(long address, out Page page)
    {
        lock (_gate)
        {
            bool mapped = _pages.TryGetValue(address / DeviceMemory.PageSize, out long number);
            page = new Page(Arena, number);
            return mapped;
        }
    }

    /// <summary>Fresh pages of the arena (ENOMEM when it is used up: pages are never reused). Under the gate.</summary>
    private long[] AllocatePages(int count) =>
        Arena.TryAllocate(count) ?? throw new DriverException(Errno.ENOMEM, $"cpu mm arena exhausted ({Arena.PageCount} pages)");

    private void Change(MmuNotifierRange range)
    {
        if ((range.Start & (DeviceMemory.PageSize - 1)) != 0 || range.End <= range.Start)
        {
            throw DriverException.Inval($"range [0x{range.Start:x}, 0x{range.End:x}) is not a page-aligned range");
        }

        lock (_writers)
        {
            MmuIntervalNotifier[] hits;
            long cur;
            lock (_gate)
            {
                hits = _subs.Where(s => range.Overlaps(s.Start, s.Length)).ToArray();
                if (hits.Length > 0)
                {
                    // mn_itree_inv_start_range: odd from here until the end, so ReadBegin waits meanwhile.
                    _invalidateSeq++;
                    Interlocked.Increment(ref _invalidations);
                }

                cur = _invalidateSeq;
            }

            if (hits.Length > 0)
            {
                // The callbacks run in the mmu-notifier context, which may wait on fences (primed in
                // LockValidator.PrimeKernelMaps): any lock a callback takes must never be held while allocating.
                using (Lockdep.Default.MmuNotifier.Hold())
                {
                    foreach (MmuIntervalNotifier sub in hits)
                    {
                        sub.Ops.Invalidate(sub, range, cur);
                    }
                }
            }

            lock (_gate)
            {
                long first = range.Start / DeviceMemory.PageSize;
                long last = (range.End + DeviceMemory.PageSize - 1) / DeviceMemory.PageSize;
                for (long p = first; p < last; p++)
                {
                    if (range.Event == MmuNotifierEvent.Unmap)
                    {
                        _pages.Remove(p);
                    }
                    else if (_pages.TryGetValue(p, out long old))
                    {
                        long moved = AllocatePages(1)[0];
                        new PageList(Arena, [old]).CopyTo(new PageList(Arena, [moved]));
                        _pages[p] = moved;
                    }
                }

                if (hits.Length > 0)
                {
                    // mn_itree_inv_end: even again; wake ReadBegin and RemoveNotifier.
                    _invalidateSeq++;
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }
}
