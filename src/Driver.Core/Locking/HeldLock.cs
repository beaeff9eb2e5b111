namespace Driver.Core.Locking;

/// <summary>One entry of a thread's held-lock stack (the kernel's struct held_lock).</summary>
internal readonly struct HeldLock
{
    /// <summary>Creates an entry.</summary>
    public HeldLock(LockNode node, object instance, AcquireKind kind, bool trylock, int epoch, ulong chainKey, CallSite site,
        bool nested = false, int references = 0)
    {
        Nested = nested;
        References = references;
        Node = node;
        Instance = instance;
        Kind = kind;
        Trylock = trylock;
        Epoch = epoch;
        ChainKey = chainKey;
        Site = site;
    }

    /// <summary>The class/subclass node.</summary>
    public LockNode Node { get; }

    /// <summary>The lock object itself; releases match on it.</summary>
    public object Instance { get; }

    /// <summary>How it was taken.</summary>
    public AcquireKind Kind { get; }

    /// <summary>Taken by a trylock: it created no dependencies, but later acquisitions depend on it.</summary>
    public bool Trylock { get; }

    /// <summary>
    /// Taken under a nest lock (ww_mutex_lock with an acquire context: mutex_acquire_nest): instances of its class
    /// held together in that context are one entry, not recursion.
    /// </summary>
    public bool Nested { get; }

    /// <summary>
    /// The kernel's hlock->references: 0 for an entry that stands for its <see cref="Instance"/> alone; once nested
    /// acquisitions of one class were merged into it, the number of instances it stands for, down to 1 as they are
    /// released (the entry goes at 0). <see cref="Instance"/> is then only the first of them, and a release matches
    /// the entry by class.
    /// </summary>
    public int References { get; }

    /// <summary>The validator's enable epoch at acquisition; an entry from an older epoch is stale and ignored.</summary>
    public int Epoch { get; }

    /// <summary>Hash of the validator's held chain up to and including this entry (the kernel's chain_key).</summary>
    public ulong ChainKey { get; }

    /// <summary>Where the chain ending in this entry was first seen; the "at:" of held locks in reports.</summary>
    public CallSite Site { get; }

    /// <summary>True when this entry belongs to <paramref name="validator"/> and its current epoch.</summary>
    public bool IsLive(LockValidator validator, int epoch) => Epoch == epoch && ReferenceEquals(Node.Validator, validator);

    /// <summary>A copy with another chain key (after a lock below it was released out of order).</summary>
    public HeldLock WithChainKey(ulong key) => new(Node, Instance, Kind, Trylock, Epoch, key, Site, Nested, References);

    /// <summary>A copy standing for <paramref name="references"/> merged instances.</summary>
    public HeldLock WithReferences(int references) => new(Node, Instance, Kind, Trylock, Epoch, ChainKey, Site, Nested, references);
}
