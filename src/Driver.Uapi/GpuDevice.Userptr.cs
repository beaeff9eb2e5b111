using System.Collections.Concurrent;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Userptr;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>I915_USERPTR_READ_ONLY: GpuSim's GGTT has no read-only PTEs, so -ENODEV (as without has_read_only).</summary>
    public const uint UserptrReadOnly = 0x1;

    /// <summary>I915_USERPTR_PROBE: check at creation that the range is mapped (-EFAULT if not).</summary>
    public const uint UserptrProbe = 0x2;

    /// <summary>I915_USERPTR_UNSYNCHRONIZED: no mmu notifier; i915 no longer supports it (-ENODEV).</summary>
    public const uint UserptrUnsynchronized = 0x80000000;

    private readonly ConcurrentDictionary<BufferObject, UserptrObject> _userptrs = new();

    /// <summary>
    /// i915->mm.notifier_lock: the driver lock of the mmu-interval-notifier protocol. Held for write only by the
    /// invalidate callback around mmu_interval_set_seq; for read by a build's and by execbuf's
    /// mmu_interval_read_retry. It guards no data of its own: it is the barrier between the two sides (see
    /// <see cref="UserptrObject.Invalidate"/>). Never held while allocating or waiting on a fence.
    /// </summary>
    internal DriverRwLock UserptrNotifierLock { get; } = new("&i915->mm.notifier_lock");

    /// <summary>
    /// How long an invalidation waits for the GPU work on a userptr object (the kernel: forever). A hang is reset
    /// long before; past this the CPU thread goes on and <see cref="UserptrObject.InvalidateTimeouts"/> counts it.
    /// </summary>
    public TimeSpan UserptrInvalidateTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Test hook: runs in a userptr build between getting the pages and the retry check.</summary>
    public Action<UserptrObject>? UserptrAfterGetPages { get; set; }

    /// <summary>Test hook: runs in execbuf after its request joined the reservations, before the userptr submit check.</summary>
    public Action<UserptrObject>? UserptrBeforeSubmitDone { get; set; }

    /// <summary>
    /// GEM_USERPTR (i915_gem_userptr_ioctl): an object backed by [<paramref name="address"/>, +<paramref name="size"/>)
    /// of <paramref name="mm"/>, the calling process's address space. In the kernel's order: -EINVAL for unknown
    /// flags, a zero size, or an address or size not page aligned (GpuSim also for a size over
    /// <see cref="MaxBufferSize"/>); -EFAULT for no mm; -ENODEV for UNSYNCHRONIZED and READ_ONLY; -EFAULT with PROBE
    /// when the range is not mapped; -ENOENT for an unknown client. Without PROBE an unmapped range is only found by
    /// the first execbuf (-EFAULT). The object is usable by execbuf like any other; its GPU writes land in the
    /// process's pages.
    /// </summary>
    public int Userptr(int clientId, CpuMm? mm, long address, long size, uint flags, out int handle)
    {
        handle = 0;
        if ((flags & ~(UserptrReadOnly | UserptrProbe | UserptrUnsynchronized)) != 0)
        {
            return -Errno.EINVAL;
        }

        if (size <= 0 || size > MaxBufferSize || ((address | size) & (DeviceMemory.PageSize - 1)) != 0)
        {
            return -Errno.EINVAL;
        }

        if (mm is null || address <= 0)
        {
            return -Errno.EFAULT;
        }

        if ((flags & (UserptrUnsynchronized | UserptrReadOnly)) != 0)
        {
            return -Errno.ENODEV;
        }

        if ((flags & UserptrProbe) != 0 && !mm.IsMapped(address, size))
        {
            return -Errno.EFAULT;
        }

        try
        {
            Client client = GetClient(clientId);
            int count = (int)(size / DeviceMemory.PageSize);
            if (mm.GetUserPages(address, count, out PageList? pages) != 0)
            {
                // Not mapped (no PROBE): placeholder pages nobody sees; the first execbuf's build fails with -EFAULT.
                pages = mm.Placeholder(count);
            }

            var bo = new BufferObject(pages!, BoFlags.None);
            var userptr = new UserptrObject(this, bo, mm, address);
            _userptrs[bo] = userptr;
            try
            {
                handle = client.AddObject(bo);
            }
            catch (DriverException)
            {
                ReleaseUserptr(bo);
                throw;
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>The userptr state of a client's object, or null when it is not a userptr object (tests, debug).</summary>
    public UserptrObject? GetUserptr(int clientId, int handle)
    {
        try
        {
            return _userptrs.TryGetValue(GetClient(clientId).GetObject(handle), out UserptrObject? u) ? u : null;
        }
        catch (DriverException) { return null; }
    }

    /// <summary>
    /// Execbuf's first userptr step, before any lock: builds the pages of every userptr object of the call
    /// (<see cref="UserptrObject.GetPages"/>) and notes the sequence of each. Null when there is none; throws
    /// -EFAULT when a range is no longer mapped.
    /// </summary>
    private UserptrExec? UserptrSubmitInit(BufferObject batch, BufferObject[] read, BufferObject[] written)
    {
        if (_userptrs.IsEmpty)
        {
            return null;
        }

        List<(UserptrObject, long)>? found = null;
        foreach (BufferObject bo in read.Append(batch).Concat(written))
        {
            if (!_userptrs.TryGetValue(bo, out UserptrObject? u))
            {
                continue;
            }

            int err = u.GetPages();
            if (err != 0)
            {
                throw new DriverException(-err, $"{u}: range not mapped");
            }

            (found ??= new()).Add((u, u.NotifierSeq));
        }

        return found is null ? null : new UserptrExec(found);
    }

    /// <summary>
    /// Execbuf's last userptr step (i915_gem_object_userptr_submit_done under the notifier lock, from
    /// eb_move_to_gpu): the request is in every object's reservation; if an invalidation ran since the pages were
    /// got, the request carries -EAGAIN (not fatal: it runs, on the pages it was built with, as i915's pinned pages)
    /// and execbuf returns -EAGAIN for userspace to retry (drmIoctl does). Opens the request's gate either way.
    /// </summary>
    private int UserptrSubmitDone(UserptrExec exec)
    {
        int err = 0;
        UserptrBeforeSubmitDone?.Invoke(exec.Objects[0].Obj);
        UserptrNotifierLock.EnterRead();
        try
        {
            // Lock as barrier, execbuf's side: the request was added to the reservations before this lock is taken,
            // and the sequences are read under it. The other side is UserptrObject.Invalidate: an invalidation whose
            // critical section precedes ours is seen here; one that follows ours sees the request and waits for it.
            foreach ((UserptrObject u, long seq) in exec.Objects)
            {
                if (u.Notifier.ReadRetry(seq))
                {
                    err = -Errno.EAGAIN;
                    break;
                }
            }
        }
        finally
        {
            UserptrNotifierLock.ExitRead();
        }

        exec.Open(err);
        return err;
    }

    /// <summary>Unsubscribes a released userptr object from its mm (mmu_interval_notifier_remove).</summary>
    private void ReleaseUserptr(BufferObject bo)
    {
        if (_userptrs.TryRemove(bo, out UserptrObject? u))
        {
            u.Mm.RemoveNotifier(u.Notifier);
        }
    }
}
