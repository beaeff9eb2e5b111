using Driver.Core.Locking;
using Driver.Core.Ggtt;
using Driver.Core.Memory;

namespace Driver.Reset.Mmap;

/// <summary>
/// The GTT-mmap state of one buffer object: its tiling (one per object, as set_tiling makes it), the fence register
/// it holds if any, and its live mappings. Everything but <see cref="Fence"/> is guarded by the manager's lock;
/// <see cref="Fence"/> is also read lock-free by accesses.
/// </summary>
internal sealed class GttObject : IFenceOwner
{
    private readonly GttMmapManager _manager;
    private readonly List<GttMapping> _mappings = new();

    /// <summary>
    /// The register the object holds, or null. Written under the manager's lock before the PTEs that make accesses
    /// use it are installed (release), and set to null only after those PTEs were zapped and in-flight accesses
    /// drained; accesses read it after reading a present PTE.
    /// </summary>
    private FenceBinding? _fence;

    /// <summary>Creates the state of <paramref name="bo"/> with a validated tiling (manager lock held).</summary>
    public GttObject(GttMmapManager manager, BufferObject bo, TilingMode tiling, int stride)
    {
        _manager = manager;
        Bo = bo;
        SetTiling(tiling, stride);
    }

    /// <summary>The buffer object.</summary>
    public BufferObject Bo { get; }

    /// <summary>Tiling of the object.</summary>
    public TilingMode Tiling { get; private set; }

    /// <summary>Stride (0 when untiled).</summary>
    public int Stride { get; private set; }

    /// <summary>Detiler of the surface, null when untiled; used to decide whether an undetiled access was misplaced.</summary>
    public TiledSurface? Surface { get; private set; }

    /// <summary>The object went away (closed): its mappings fault with EFAULT.</summary>
    public bool IsReleased { get; private set; }

    /// <summary>Number of live mappings.</summary>
    public int MappingCount => _mappings.Count;

    /// <summary>
    /// The object's GGTT binding once a fault has bound it (an eviction unbinds it only after zapping every mapping;
    /// the next fault sets it again). Written under the manager's lock before the first PTEs are installed
    /// (release); read by accesses after a present PTE.
    /// </summary>
    public GgttNode? Node
    {
        get => Volatile.Read(ref _node);
        set => Volatile.Write(ref _node, value);
    }
    private GgttNode? _node;

    /// <summary>The fence register held, read lock-free (see <see cref="_fence"/>).</summary>
    public FenceBinding? Fence => Volatile.Read(ref _fence);

    /// <summary>Records the register handed out by the fault path (manager lock held), before the PTEs are installed.</summary>
    public void SetFence(FenceBinding binding) => Volatile.Write(ref _fence, binding);

    /// <summary>Changes the tiling; the caller checked there is no live mapping and released the fence.</summary>
    public void SetTiling(TilingMode tiling, int stride)
    {
        Tiling = tiling;
        Stride = stride;
        Surface = tiling == TilingMode.None ? null : new TiledSurface(tiling, stride);
    }

    /// <summary>Records a new mapping (manager lock held).</summary>
    public void Add(GttMapping mapping) => _mappings.Add(mapping);

    /// <summary>Forgets an unmapped mapping (manager lock held).</summary>
    public void Remove(GttMapping mapping) => _mappings.Remove(mapping);

    /// <summary>Zaps the CPU PTEs of every mapping; returns how many had entries present. Manager lock held.</summary>
    public int ZapMappings()
    {
        // unmap_mapping_range: the address space's i_mmap_rwsem for read, and the mmu notifiers of the zapped range
        // (which may wait on fences: a zap must not run inside a fence-signalling section).
        using LockdepMap.Scope iMmap = Lockdep.IMmapRwsem.HoldRead();
        using LockdepMap.Scope notifier = Lockdep.Default.MmuNotifier.Hold();
        int zapped = 0;
        foreach (GttMapping m in _mappings)
        {
            if (m.Zap())
            {
                zapped++;
            }
        }

        return zapped;
    }

    /// <summary>
    /// Called by the register file (under its lock, with the manager's lock held by the faulting thread that steals)
    /// before the register changes owner: zap our PTEs, then the shootdown (no access that found a PTE present is
    /// still in flight), and only then forget the register.
    /// </summary>
    public void RevokeFence(FenceBinding binding)
    {
        ZapMappings();
        _manager.Shootdown();
        Volatile.Write(ref _fence, null);
    }

    /// <summary>Gives the register back (retiling, release). Manager lock held; mappings already zapped and drained.</summary>
    public void ReleaseFence(FenceRegisterFile fences)
    {
        if (Fence is { } binding)
        {
            Volatile.Write(ref _fence, null);
            fences.Release(this, binding);
        }
    }

    /// <summary>The object is gone: mappings fault with EFAULT from now on. Manager lock held.</summary>
    public void MarkReleased() => IsReleased = true;

    /// <inheritdoc/>
    public override string ToString() => $"{Bo} {Tiling}" + (Tiling == TilingMode.None ? "" : $" stride {Stride}");
}
