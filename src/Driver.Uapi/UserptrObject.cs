using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Resv;
using Driver.Core.Userptr;

namespace Driver.Uapi;

/// <summary>
/// A userptr object's driver side (i915_gem_userptr.c, the mmu_interval_notifier version): the buffer object whose
/// pages are a process's pages, the subscription to invalidations of that range, and the sequence the pages were got
/// under. The mapping build (<see cref="GetPages"/>) and the invalidate callback (<see cref="Invalidate"/>) meet on
/// the device's notifier lock (i915->mm.notifier_lock), which is what makes the sequence protocol sound.
/// </summary>
public sealed class UserptrObject : IMmuIntervalNotifierOps
{
    /// <summary>The value of <see cref="_notifierSeq"/> before any build: no sequence ReadBegin returns.</summary>
    private const long NoPages = long.MinValue;

    private readonly GpuDevice _device;

    /// <summary>
    /// Serialises builds of this object (the object lock i915 holds around get_pages), so two execbufs never
    /// interleave their page installs. Never taken by the invalidate callback.
    /// </summary>
    private readonly DriverMutex _pagesLock = new("&obj->userptr.lock");

    /// <summary>
    /// obj->userptr.notifier_seq: the sequence <see cref="BufferObject.Pages"/> were got under; written under the
    /// notifier lock (read side) and <see cref="_pagesLock"/>, read by execbuf's submit check under the notifier lock.
    /// </summary>
    private long _notifierSeq = NoPages;

    private long _retries;
    private long _builds;
    private long _invalidations;
    private long _invalidateTimeouts;

    internal UserptrObject(GpuDevice device, BufferObject bo, CpuMm mm, long address)
    {
        _device = device;
        Object = bo;
        Mm = mm;
        Address = address;
        Notifier = mm.InsertNotifier(address, bo.Size, this, device.UserptrNotifierLock);
    }

    /// <summary>The buffer object (its pages are the process's pages).</summary>
    public BufferObject Object { get; }

    /// <summary>The process address space.</summary>
    public CpuMm Mm { get; }

    /// <summary>Address of the range in <see cref="Mm"/>.</summary>
    public long Address { get; }

    /// <summary>The subscription to invalidations of the range.</summary>
    public MmuIntervalNotifier Notifier { get; }

    /// <summary>Builds that found an invalidation had run meanwhile (mmu_interval_read_retry true) and started over.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Builds that got the pages and installed them.</summary>
    public long Builds => Interlocked.Read(ref _builds);

    /// <summary>Invalidate callbacks run.</summary>
    public long Invalidations => Interlocked.Read(ref _invalidations);

    /// <summary>Invalidations whose wait for the GPU ran past <see cref="GpuDevice.UserptrInvalidateTimeout"/>.</summary>
    public long InvalidateTimeouts => Interlocked.Read(ref _invalidateTimeouts);

    /// <summary>The sequence the installed pages were got under (for execbuf's submit check).</summary>
    internal long NotifierSeq => Volatile.Read(ref _notifierSeq);

    /// <summary>
    /// The mapping build (i915_gem_object_userptr_submit_init): mmu_interval_read_begin, get the pages, take the
    /// notifier lock, mmu_interval_read_retry — and start over when an invalidation ran meanwhile. Returns 0 with the
    /// pages installed and <see cref="NotifierSeq"/> their sequence, or -EFAULT when the range is not (or no longer)
    /// mapped. Takes no lock of the caller's: called by execbuf before it locks anything.
    /// </summary>
    internal int GetPages()
    {
        using (_pagesLock.Acquire())
        {
            while (true)
            {
                long seq = Notifier.ReadBegin();
                if (seq == Volatile.Read(ref _notifierSeq))
                {
                    // No invalidation since the installed pages were got: they are the process's pages.
                    return 0;
                }

                int err = Mm.GetUserPages(Address, Object.Pages.Count, out PageList? pages);
                if (err != 0)
                {
                    return err;
                }

                // Test hook: an invalidation here, between getting the pages and the check, must be caught below.
                _device.UserptrAfterGetPages?.Invoke(this);

                _device.UserptrNotifierLock.EnterRead();
                try
                {
                    // Lock as barrier, the build's side: taking the notifier lock orders the load in ReadRetry after
                    // any invalidate callback's SetSeq whose critical section ran before ours (its write-unlock
                    // releases the store, our lock acquires it). The other side is Invalidate below. If the
                    // callback comes later instead, it finds these pages installed and the object's fences in
                    // its wait, and the next build sees the new sequence.
                    if (Notifier.ReadRetry(seq))
                    {
                        Interlocked.Increment(ref _retries);
                        continue;
                    }

                    // One store: a reader of the object sees the old backing or the new one, never a mix.
                    Object.ReplacePages(pages!);

                    Volatile.Write(ref _notifierSeq, seq);
                    Interlocked.Increment(ref _builds);
                }
                finally
                {
                    _device.UserptrNotifierLock.ExitRead();
                }

                // Outside the notifier lock: the GGTT's mutex is held around allocations, and the notifier lock is
                // taken in the mmu-notifier context, which reclaim enters. A racing invalidation after the unlock is
                // caught by execbuf's submit check (GpuDevice.UserptrSubmitDone).
                _device.Gt.Ggtt.RefreshPtes(Object);
                return 0;
            }
        }
    }

    /// <summary>
    /// i915_gem_userptr_invalidate: stores the mm's sequence under the notifier lock, so every build or submission
    /// that began before fails its retry check, then waits for the GPU work on the object (every fence of its
    /// reservation) — bounded by <see cref="GpuDevice.UserptrInvalidateTimeout"/> where the kernel waits forever, so a
    /// wedged test cannot hang the CPU thread; a hang is cut short by the reset long before that.
    /// </summary>
    public bool Invalidate(MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq)
    {
        ArgumentNullException.ThrowIfNull(sub);
        // Lock as barrier, the invalidation's side. The store of the sequence is ordered against the two places that
        // check it under this lock: GetPages above (a build getting the pages) and GpuDevice.UserptrSubmitDone (an
        // execbuf about to let its request run). Either their critical section comes first, or ours does:
        //  - ours first: our write-unlock releases SetSeq, their lock acquires it, ReadRetry sees the new sequence,
        //    the build starts over / the execbuf fails with -EAGAIN;
        //  - theirs first: execbuf added its request to the object's reservation before taking the lock, so our
        //    lock acquisition orders the unlocked reservation read below after that add, and we wait for it.
        // Nothing else is done under the lock: the wait for fences is outside it, so the GPU's progress (and the
        // reset) never needs the notifier lock.
        _device.UserptrNotifierLock.EnterWrite();
        try
        {
            sub.SetSeq(curSeq);
        }
        finally
        {
            _device.UserptrNotifierLock.ExitWrite();
        }

        Interlocked.Increment(ref _invalidations);
        long timeoutNs = (long)_device.UserptrInvalidateTimeout.TotalNanoseconds;
        // dma_resv_wait_timeout(BOOKKEEP): every user of the pages, readers included.
        if (Object.Resv.WaitTimeout(DmaResvUsage.Bookkeep, timeoutNs) <= 0)
        {
            Interlocked.Increment(ref _invalidateTimeouts);
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"userptr {Object} @0x{Address:x}";
}
