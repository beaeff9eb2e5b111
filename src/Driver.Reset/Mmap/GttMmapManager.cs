using Driver.Core.Errors;
using Driver.Core.Ggtt;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Sync;
using Driver.Reset.Recovery;
using Serilog;

namespace Driver.Reset.Mmap;

/// <summary>
/// GTT mmaps of one device: creates <see cref="GttMapping"/>s, services their faults (bind into the GGTT, assign a
/// fence register, install the CPU PTEs), and, as an <see cref="IResetObserver"/>, applies the
/// <see cref="MmapResetPolicy"/> across full resets: the hardware reset clears the fence registers
/// (<see cref="OnHardwareReset"/>) and the restore rewrites them (<see cref="OnResetRestore"/>); in between is the
/// glitch window, which the policy either lets accesses through (glitch), keeps every user out of
/// (stop-machine), or revokes the mappings for (revoke). Engine resets do not touch the registers and never reach
/// here.
/// </summary>
public sealed class GttMmapManager : IResetObserver
{
    private readonly Ggtt _ggtt;
    private readonly GtReset _reset;
    private readonly ILogger _log;
    private readonly MmapStopper _stopper;
    private readonly TimeSpan _faultTimeout;
    private readonly TimeSpan _stopTimeout;

    /// <summary>
    /// The objects with GTT mmap state and everything in them but <see cref="GttObject.Fence"/> (the kernel's
    /// object lock + ggtt->vm.mutex in i915_gem_fault). Order: taken inside the reset lock's read side
    /// (<see cref="GtReset.ResetLock"/>) and outside the fence lock and the GGTT mutex; the reset path takes it
    /// under the reset mutex, after every reset-lock holder was waited out. Never taken by an access with its PTE
    /// present.
    /// </summary>
    private readonly DriverMutex _lock = new("i915->mmap_lock");
    private readonly Dictionary<BufferObject, GttObject> _objects = new();

    private long _glitchedReads;
    private long _misplacedWrites;

    /// <summary>Misrouted accesses (reads and writes) by the hardware reset that opened their window.</summary>
    private readonly long[] _glitchesByPath = new long[Enum.GetValues<HardwareResetPath>().Length];

    /// <summary>
    /// The path of the last hardware reset, for a misrouted access that used no fence register (none does while its
    /// PTE is present: see <see cref="GlitchCause"/>).
    /// </summary>
    private int _lastResetPath;
    private long _faults;
    private long _revocations;
    private long _stopFailures;

    /// <summary>Creates the manager over <paramref name="ggtt"/>; register it with <paramref name="reset"/> as an observer.</summary>
    /// <param name="ggtt">The GGTT objects are bound into.</param>
    /// <param name="reset">The GT's reset state (reset lock, configuration).</param>
    /// <param name="policy">What a full reset does about the mappings.</param>
    /// <param name="fenceRegisters">Size of the fence register file: 8, 16 or 32.</param>
    /// <param name="log">Logger.</param>
    public GttMmapManager(Ggtt ggtt, GtReset reset, MmapResetPolicy policy, int fenceRegisters = 16, ILogger? log = null)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown mmap reset policy");
        }

        _ggtt = ggtt;
        _reset = reset;
        _log = log ?? Serilog.Core.Logger.None;
        Policy = policy;
        Fences = new FenceRegisterFile(fenceRegisters);
        Aperture = new Aperture(ggtt, Fences);
        // A fault waits for a reset at most as long as a reset may take before it is declared hung, plus slack.
        _faultTimeout = reset.Config.WedgeTimeout + reset.Config.StopTimeout * 4 + TimeSpan.FromSeconds(5);
        _stopTimeout = reset.Config.StopTimeout * 4;
        _stopper = new MmapStopper(UserStop, _faultTimeout, _log);
    }

    /// <summary>The reset policy.</summary>
    public MmapResetPolicy Policy { get; }

    /// <summary>The fence (detiling) registers.</summary>
    public FenceRegisterFile Fences { get; }

    /// <summary>The CPU's view of the GGTT through the fences.</summary>
    public Aperture Aperture { get; }

    /// <summary>
    /// Every access that found its PTE present is a read-side section of this epoch; zapping PTEs is followed by a
    /// grace period (<see cref="Shootdown"/>), the model of the TLB shootdown after unmap_mapping_range().
    /// </summary>
    internal Epoch AccessEpoch { get; } = new("mmap.access");

    /// <summary>The stop-machine policy's machine: every access is a region of it.</summary>
    internal StopMachine UserStop { get; } = new("mmap.users");

    /// <summary>Reads that returned data from the wrong place (undetiled through a cleared register, or the scratch page).</summary>
    public long GlitchedReads => Interlocked.Read(ref _glitchedReads);

    /// <summary>Writes that landed at the wrong place (undetiled through a cleared register, or lost to the scratch page).</summary>
    public long MisplacedWrites => Interlocked.Read(ref _misplacedWrites);

    /// <summary>Faults serviced (or failed).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>Full resets that revoked the mappings (revoke policy).</summary>
    public long Revocations => Interlocked.Read(ref _revocations);

    /// <summary>Full resets for which the stop-machine policy could not stop the mmap users in time.</summary>
    public long StopFailures => Interlocked.Read(ref _stopFailures);

    /// <summary>Accesses the stop-machine policy held off while a reset had the users stopped.</summary>
    public long StoppedAccesses => UserStop.GateWaits;

    /// <summary>
    /// Maps <paramref name="bo"/> through the GTT with <paramref name="tiling"/> and <paramref name="stride"/> (the
    /// object's tiling: set_tiling + mmap_gtt). Nothing is bound until the first access faults. Throws
    /// <see cref="DriverException"/>: EINVAL for an unknown tiling, a stride that is not a multiple of the tile width
    /// (or not 0 for linear), or an object that is not a whole number of tile rows; EBUSY to retile an object that
    /// still has live mappings.
    /// </summary>
    public GttMapping Map(BufferObject bo, TilingMode tiling, int stride)
    {
        ArgumentNullException.ThrowIfNull(bo);
        if (!TileGeometry.IsDefined(tiling))
        {
            throw DriverException.Inval($"unknown tiling mode {(int)tiling}");
        }

        if (tiling == TilingMode.None ? stride != 0 : !TileGeometry.IsValidSurface(tiling, stride, bo.Size))
        {
            throw DriverException.Inval($"{tiling} tiling with stride {stride} does not fit {bo}");
        }

        using (_lock.Acquire())
        {
            if (!_objects.TryGetValue(bo, out GttObject? obj))
            {
                obj = new GttObject(this, bo, tiling, stride);
                _objects.Add(bo, obj);
            }
            else if (obj.Tiling != tiling || obj.Stride != stride)
            {
                if (obj.MappingCount > 0)
                {
                    throw new DriverException(Errno.EBUSY, $"{obj} still has GTT mmaps: cannot change it to {tiling} stride {stride}");
                }

                obj.ReleaseFence(Fences);
                obj.SetTiling(tiling, stride);
            }
            var mapping = new GttMapping(this, obj);
            obj.Add(mapping);
            return mapping;
        }
    }

    /// <summary>
    /// The object is going away (closed, unbound): revoke its mappings, drain accesses, give its fence register
    /// back. Later accesses through its mappings fail with EFAULT. Cheap for objects never GTT-mapped.
    /// </summary>
    public void ReleaseObject(BufferObject bo)
    {
        using (_lock.Acquire())
        {
            if (!_objects.Remove(bo, out GttObject? obj))
            {
                return;
            }

            obj.MarkReleased();
            // Always: the entries may have been zapped by a path whose shootdown has not finished yet (a reset's
            // revoke waits for the accesses after dropping the lock), and the pages are freed once this returns.
            obj.ZapMappings();
            Shootdown();

            obj.ReleaseFence(Fences);
        }
    }

    /// <summary>
    /// __i915_vma_evict for an unbind of <paramref name="bo"/> from its GGTT range (an execbuf's eviction):
    /// <paramref name="unbind"/> (which may refuse: pinned, busy) runs under the mmap lock, after the object's
    /// mappings were zapped and drained (i915_vma_revoke_mmap), so no fault re-installs PTEs to the old range in
    /// between; when it unbinds, the fence register is released too (i915_vma_revoke_fence), as the range may go to
    /// another object at once. The next access faults and binds the object again. A refused unbind leaves only
    /// zapped PTEs, which refault. Returns what <paramref name="unbind"/> returned.
    /// </summary>
    public bool Evict(BufferObject bo, Func<bool> unbind)
    {
        ArgumentNullException.ThrowIfNull(unbind);
        using (_lock.Acquire())
        {
            if (!_objects.TryGetValue(bo, out GttObject? obj))
            {
                return unbind();
            }

            obj.ZapMappings();
            Shootdown();
            if (!unbind())
            {
                return false;
            }

            obj.ReleaseFence(Fences);
            return true;
        }
    }

    /// <summary>
    /// munmap of <paramref name="mapping"/>: zap its PTEs, then the TLB flush (tlb_finish_mmu), so that when it
    /// returns no access through the mapping is in flight: a GEM_CLOSE that follows may free the pages at once, and a
    /// late store would land in whatever object gets them next.
    /// </summary>
    internal void Unmap(GttMapping mapping)
    {
        // munmap: the mm's mmap_lock for write around the whole unmap, the zap (unmap_region → the mmu notifiers)
        // and the driver's vm_ops->close.
        using (Lockdep.MmapLock.Hold())
        using (_lock.Acquire())
        {
            using (Lockdep.Default.MmuNotifier.Hold())
            {
                mapping.Zap();
            }

            // Even when nothing was present: another path (a reset's revoke) may have zapped the entries and not yet
            // waited out the accesses that had found them present.
            Shootdown();

            mapping.State.Remove(mapping);
        }
    }

    /// <summary>The TLB shootdown: returns once no access that may have read a now-zapped PTE is in flight.</summary>
    internal void Shootdown() => AccessEpoch.Synchronize();

    /// <summary>
    /// The fault handler (i915_gem_fault for GTT mmaps): under the revoke policy take the reset lock (which waits
    /// while a full reset is in progress), then bind the object into the GGTT, give it a fence register if tiled
    /// (stealing the least recently used one), and install the mapping's PTEs. Returns 0 or -errno.
    /// </summary>
    internal int Fault(GttMapping mapping)
    {
        // The CPU's page fault runs with the mm's mmap_lock held for read (do_user_addr_fault → handle_mm_fault →
        // vm_ops->fault): everything the handler takes or waits for is ordered after mmap_lock.
        using (Lockdep.MmapLock.HoldRead())
        {
            return FaultLocked(mapping);
        }
    }

    private int FaultLocked(GttMapping mapping)
    {
        Interlocked.Increment(ref _faults);
        bool resetLocked = false;
        if (Policy == MmapResetPolicy.Revoke)
        {
            // intel_gt_reset_lock_interruptible: blocks while BACKOFF is set, so a mapping revoked for a reset is not
            // re-established until the registers are restored; holding it keeps the next reset from revoking until
            // the PTEs are in (it then zaps them). Not under the other policies: under stop-machine the fault runs
            // inside a stoppable region the reset waits for, and waiting here for the reset would deadlock with it.
            if (!_reset.ResetLock(_faultTimeout))
            {
                _log.Error("GTT mmap fault on {Object}: the reset lock timed out", mapping.State);
                return -Errno.EIO;
            }
            resetLocked = true;
        }
        try
        {
            using (_lock.Acquire())
            {
                GttObject obj = mapping.State;
                if (mapping.IsDisposed || obj.IsReleased)
                {
                    return -Errno.EFAULT;
                }

                GgttNode node;
                try
                {
                    node = _ggtt.Insert(obj.Bo);
                }
                catch (DriverException e)
                {
                    return -e.Errno;
                }
                obj.Node = node;
                if (obj.Tiling != TilingMode.None)
                {
                    obj.SetFence(Fences.Assign(obj, node.Offset, obj.Bo.Size, obj.Tiling, obj.Stride));
                }
                // Release stores, after the node and the fence: an access that sees the entry sees both.
                mapping.Install(node.Offset);
                return 0;
            }
        }
        finally
        {
            if (resetLocked)
            {
                _reset.ResetUnlock();
            }
        }
    }

    /// <summary>
    /// Test hook, called on the accessing thread inside the access's read section, right after it found its PTE
    /// present and before it reads the fence and touches the aperture: whatever it does (an munmap, a release, a
    /// reset) happens while the access is in flight, as a CPU access between its TLB lookup and its memory cycle.
    /// Null in normal operation.
    /// </summary>
    public Action<GttMapping>? AccessHook { get; set; }

    /// <summary>
    /// Test hook, called on the accessing thread after a misrouted access left its read section and before it is
    /// counted: whatever it does (a full reset, say) happens between the two. Null in normal operation.
    /// </summary>
    public Action? MisrouteNoteHook { get; set; }

    /// <summary>
    /// Which hardware reset path misrouted an access through <paramref name="fence"/> (the register it used, read
    /// before the access): the one that cleared that register, as recorded with the clear. Called inside the
    /// access's read section, so a full reset under the revoke policy cannot clear it again in between (its
    /// shootdown waits for the section). Not the path of the last reset at the time the access is counted: a full
    /// reset may run in between and would be charged with a wedge's glitch.
    /// </summary>
    internal HardwareResetPath GlitchCause(FenceBinding? fence) =>
        (HardwareResetPath)(fence is null ? Volatile.Read(ref _lastResetPath) : Fences.ClearedBy(fence.Index));

    /// <summary>
    /// An access with its PTE present was not routed as its object needs: count it, against the reset path that
    /// caused it (<see cref="GlitchCause"/>), if it hit the wrong place.
    /// </summary>
    internal void NoteMisroutedRead(GttObject obj, long offset, ApertureRoute route, HardwareResetPath cause)
    {
        MisrouteNoteHook?.Invoke();
        if (IsMisplaced(obj, offset, route))
        {
            Interlocked.Increment(ref _glitchedReads);
            Interlocked.Increment(ref _glitchesByPath[(int)cause]);
        }
    }

    /// <summary>As <see cref="NoteMisroutedRead"/> for a write.</summary>
    internal void NoteMisroutedWrite(GttObject obj, long offset, ApertureRoute route, HardwareResetPath cause)
    {
        MisrouteNoteHook?.Invoke();
        if (IsMisplaced(obj, offset, route))
        {
            Interlocked.Increment(ref _misplacedWrites);
            Interlocked.Increment(ref _glitchesByPath[(int)cause]);
        }
    }

    /// <summary>Glitched reads plus misplaced writes in windows opened by hardware resets on <paramref name="path"/>.</summary>
    public long GlitchesOn(HardwareResetPath path) => Interlocked.Read(ref _glitchesByPath[(int)path]);

    /// <summary>
    /// Whether a misrouted access reached another byte than the right one: always for the scratch page; for an
    /// undetiled access to a tiled object only where the tiled offset differs from the linear one (the first row of
    /// an X-tiled surface one tile wide, for instance, is where it belongs either way).
    /// </summary>
    private static bool IsMisplaced(GttObject obj, long offset, ApertureRoute route) =>
        route == ApertureRoute.Scratch
        || obj.Surface is not { } surface
        || surface.LinearToTiled((uint)offset) != (uint)offset;

    // ---- IResetObserver ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Before the hardware reset (BACKOFF set, reset-lock holders gone). revoke: zap the PTEs of every fenced
    /// object's mappings (revoke_mmaps), then the shootdown, so no access is in flight and every later one faults and
    /// waits on the reset lock. stop-machine: stop every mmap user. glitch: nothing.
    /// </summary>
    /// <remarks>
    /// Untiled GTT mmaps are left alone, as in the kernel: they use no fence register and the CPU's aperture path
    /// keeps working across the reset (see <see cref="Core.Ggtt.Aperture"/>). An object is fenced whenever one of
    /// its mappings has PTEs present, so zapping every tiled object's mappings covers the fenced ones.
    /// </remarks>
    public void OnResetPrepare()
    {
        switch (Policy)
        {
            case MmapResetPolicy.Revoke:
                using (_lock.Acquire())
                {
                    foreach (GttObject obj in _objects.Values)
                    {
                        if (obj.Tiling != TilingMode.None)
                        {
                            obj.ZapMappings();
                        }
                    }
                }

                Shootdown();
                Interlocked.Increment(ref _revocations);
                break;
            case MmapResetPolicy.StopMachine:
                if (!_stopper.Stop(_stopTimeout))
                {
                    Interlocked.Increment(ref _stopFailures);
                    _log.Error("mmap stop_machine: users did not stop within {Timeout}; resetting anyway", _stopTimeout);
                }
                break;
        }
    }

    /// <summary>
    /// A hardware reset cleared every fence register: a glitch window opens. The path is recorded with each cleared
    /// register, so an access the clear misroutes is charged to this path (<see cref="GlitchCause"/>).
    /// </summary>
    public void OnHardwareReset(HardwareResetPath path)
    {
        Volatile.Write(ref _lastResetPath, (int)path);
        Fences.ClearAll((int)path);
    }

    /// <summary>The GGTT is back: rewrite the fence registers from the software copy; the window closes.</summary>
    public void OnResetRestore() => Fences.RestoreAll();

    /// <summary>After the reset: stop-machine resumes the mmap users (revoked mappings refault on their own).</summary>
    public void OnResetFinish()
    {
        if (Policy == MmapResetPolicy.StopMachine)
        {
            _stopper.Resume();
        }
    }
}
