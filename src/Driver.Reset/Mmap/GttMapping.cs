using Driver.Core.Errors;
using Driver.Core.Ggtt;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Sync;
using Driver.Reset.Recovery;

namespace Driver.Reset.Mmap;

/// <summary>
/// A GTT mmap of a buffer object (I915_MMAP_TYPE_GTT): the user sees the surface linearly — dword
/// <see cref="Read"/>/<see cref="Write"/> at untiled byte offsets — while the bytes are stored tiled; the fence
/// register covering the object's GGTT range detiles each access in the aperture. Any number of threads may use a
/// mapping at once, racing with faults, fence steals and resets.
/// </summary>
/// <remarks>
/// <para>Each access goes through the mapping's CPU page table: one entry per 4 KiB page holding the aperture
/// address of that page (0 = not present). A present entry sends the access through the
/// <see cref="Aperture"/>: detiled when the object's fence register is VALID, linear (the wrong place, for a tiled
/// object) when a reset has cleared it. A missing entry takes the fault path
/// (<see cref="GttMmapManager.Fault"/>) and the access is retried.</para>
/// <para>The hot path — entry present — takes no lock and allocates nothing: an access is one read-side section of
/// the manager's access epoch (the TLB shootdown that zapping pairs with), under the stop-machine policy also one
/// stoppable region.</para>
/// </remarks>
public sealed class GttMapping : IDisposable
{
    private readonly GttMmapManager _manager;
    private readonly GttObject _object;
    private readonly Aperture _aperture;
    private readonly Epoch _access;
    private readonly StopMachine? _stop;
    private readonly ApertureRoute _expected;
    private readonly long _lastDword;

    /// <summary>
    /// The CPU page table: the aperture (GGTT) address of each page, 0 when not present (the GGTT's page 0 is never
    /// bound). An access only needs to know that its entry is present: the address is the object's binding plus the
    /// offset, translated by the <see cref="Aperture"/> through the object's node.
    /// </summary>
    private readonly uint[] _ptes;

    private int _disposed;

    internal GttMapping(GttMmapManager manager, GttObject obj)
    {
        _manager = manager;
        _object = obj;
        _aperture = manager.Aperture;
        _access = manager.AccessEpoch;
        _stop = manager.Policy == MmapResetPolicy.StopMachine ? manager.UserStop : null;
        _expected = obj.Tiling == TilingMode.None ? ApertureRoute.Linear : ApertureRoute.Detiled;
        _lastDword = obj.Bo.Size - 4;
        _ptes = new uint[obj.Bo.Size / DeviceMemory.PageSize];
    }

    /// <summary>The mapped object.</summary>
    public BufferObject Object => _object.Bo;

    /// <summary>Size of the mapping in bytes.</summary>
    public long Size => _object.Bo.Size;

    /// <summary>Tiling of the surface seen through the mapping.</summary>
    public TilingMode Tiling => _object.Tiling;

    /// <summary>Stride of the surface (0 when untiled).</summary>
    public int Stride => _object.Stride;

    /// <summary>Whether the CPU page-table entry of page <paramref name="page"/> is present.</summary>
    public bool IsPresent(int page) => Volatile.Read(ref _ptes[page]) != 0;

    /// <summary>Number of present CPU page-table entries.</summary>
    public int PresentPages
    {
        get
        {
            int n = 0;
            for (int i = 0; i < _ptes.Length; i++)
            {
                if (Volatile.Read(ref _ptes[i]) != 0)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>
    /// Reads the dword at linear byte <paramref name="offset"/> of the surface. Returns 0, -EINVAL (misaligned or out
    /// of range), or the fault path's error (-EFAULT unmapped/closed, -EIO reset lock timed out, -ENOSPC no GGTT room).
    /// </summary>
    public int Read(long offset, out uint value)
    {
        // might_fault: a CPU access through a mapping may fault, which takes the mm's mmap_lock for read.
        Lockdep.MmapLock.MightLockRead();
        if ((ulong)offset > (ulong)_lastDword || (offset & 3) != 0)
        {
            value = 0;
            return -Errno.EINVAL;
        }
        if (_stop is null)
        {
            return ReadAccess(offset, out value);
        }
        // stop-machine: the whole access, fault included, is a stoppable region; between two accesses the thread is
        // at a safe point where a reset may hold it.
        _stop.EnterRegion();
        try
        {
            return ReadAccess(offset, out value);
        }
        finally
        {
            _stop.ExitRegion();
        }
    }

    /// <summary>Writes the dword at linear byte <paramref name="offset"/> of the surface; errors as <see cref="Read"/>.</summary>
    public int Write(long offset, uint value)
    {
        // might_fault: a CPU access through a mapping may fault, which takes the mm's mmap_lock for read.
        Lockdep.MmapLock.MightLockRead();
        if ((ulong)offset > (ulong)_lastDword || (offset & 3) != 0)
        {
            return -Errno.EINVAL;
        }

        if (_stop is null)
        {
            return WriteAccess(offset, value);
        }

        _stop.EnterRegion();
        try
        {
            return WriteAccess(offset, value);
        }
        finally
        {
            _stop.ExitRegion();
        }
    }

    /// <summary>Dword <paramref name="index"/>; throws <see cref="DriverException"/> with the errno on failure.</summary>
    public uint this[long index]
    {
        get
        {
            int err = Read(index * 4, out uint v);
            return err == 0 ? v : throw new DriverException(-err, $"GTT mmap read of dword {index} of {_object} failed");
        }
        set
        {
            int err = Write(index * 4, value);
            if (err != 0)
            {
                throw new DriverException(-err, $"GTT mmap write of dword {index} of {_object} failed");
            }
        }
    }

    private int ReadAccess(long offset, out uint value)
    {
        while (true)
        {
            uint pte;
            ApertureRoute route = default;
            HardwareResetPath cause = default;
            value = 0;
            // The access is a read-side section of the access epoch: finding the entry present, reading the fence
            // register and touching memory happen as one step with respect to a zap followed by Shootdown(), as a
            // CPU access cannot be interrupted by the TLB flush that follows unmap_mapping_range(). Without it an
            // access could find its PTE present, be preempted across the revoke and the hardware reset, and then
            // go through the cleared register. The fault path below runs outside the section: it may block on the
            // reset lock, and the reset waits for this section.
            _access.ReadLock();
            try
            {
                pte = Volatile.Read(ref _ptes[offset >> 12]);
                if (pte != 0)
                {
                    _manager.AccessHook?.Invoke(this);
                    FenceBinding? fence = _object.Fence;
                    route = _aperture.Read(_object.Node!, (uint)offset, fence, out value);
                    if (route != _expected)
                    {
                        // Inside the section, with the register the access used: see GlitchCause.
                        cause = _manager.GlitchCause(fence);
                    }
                }
            }
            finally
            {
                _access.ReadUnlock();
            }
            if (pte != 0)
            {
                if (route != _expected)
                {
                    _manager.NoteMisroutedRead(_object, offset, route, cause);
                }

                return 0;
            }
            int err = _manager.Fault(this);
            if (err != 0)
            {
                return err;
            }
        }
    }

    private int WriteAccess(long offset, uint value)
    {
        while (true)
        {
            uint pte;
            ApertureRoute route = default;
            HardwareResetPath cause = default;
            _access.ReadLock(); // see ReadAccess
            try
            {
                pte = Volatile.Read(ref _ptes[offset >> 12]);
                if (pte != 0)
                {
                    _manager.AccessHook?.Invoke(this);
                    FenceBinding? fence = _object.Fence;
                    route = _aperture.Write(_object.Node!, (uint)offset, fence, value);
                    if (route != _expected)
                    {
                        cause = _manager.GlitchCause(fence);
                    }
                }
            }
            finally
            {
                _access.ReadUnlock();
            }
            if (pte != 0)
            {
                if (route != _expected)
                {
                    _manager.NoteMisroutedWrite(_object, offset, route, cause);
                }

                return 0;
            }
            int err = _manager.Fault(this);
            if (err != 0)
            {
                return err;
            }
        }
    }

    /// <summary>The object behind the mapping (manager internals).</summary>
    internal GttObject State => _object;

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Installs every entry (the i915 fault handler maps the whole object at once) for an object bound at
    /// <paramref name="ggttOffset"/>. Manager lock held; the object's fence was recorded before (release stores).
    /// </summary>
    internal void Install(uint ggttOffset)
    {
        for (int i = 0; i < _ptes.Length; i++)
        {
            Volatile.Write(ref _ptes[i], ggttOffset + (uint)i * DeviceMemory.PageSize);
        }
    }

    /// <summary>
    /// Zaps every entry (unmap_mapping_range) so the next access faults; returns whether any was present. Accesses
    /// already past their PTE read are drained by the caller's <see cref="GttMmapManager.Shootdown"/>.
    /// </summary>
    internal bool Zap()
    {
        bool any = false;
        for (int i = 0; i < _ptes.Length; i++)
        {
            if (Interlocked.Exchange(ref _ptes[i], 0) != 0)
            {
                any = true;
            }
        }

        return any;
    }

    /// <summary>munmap: the entries are zapped and later accesses fail with -EFAULT.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _manager.Unmap(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"gtt mmap of {_object}";
}
