namespace Driver.Core.Locking;

/// <summary>
/// A thread's held locks, outermost first (the kernel's current->held_locks). One stack per thread, shared by every
/// validator: entries carry their node, hence their validator, and each validator looks only at its own live entries.
/// Touched only by its own thread, so it needs no lock.
/// </summary>
internal sealed class HeldLockStack
{
#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic]
    private static HeldLockStack? t_current;
#pragma warning restore IDE1006

    private HeldLock[] _items = new HeldLock[8];

    /// <summary>The calling thread's stack, created on first use.</summary>
    public static HeldLockStack Current => t_current ??= new HeldLockStack();

    /// <summary>The calling thread's stack, or null if it never took a validated lock.</summary>
    public static HeldLockStack? CurrentOrNull => t_current;

    /// <summary>Number of entries, live or stale, of all validators.</summary>
    public int Count { get; private set; }

    /// <summary>Entry <paramref name="index"/> (0 = outermost).</summary>
    public HeldLock this[int index] => _items[index];

    /// <summary>Index of the innermost live entry of <paramref name="validator"/>, or -1.</summary>
    public int FindTop(LockValidator validator, int epoch)
    {
        for (int i = Count - 1; i >= 0; i--)
        {
            if (_items[i].IsLive(validator, epoch))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True when a live entry of <paramref name="node"/> is held.</summary>
    public bool HoldsLive(LockNode node, int epoch)
    {
        for (int i = Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_items[i].Node, node) && _items[i].Epoch == epoch)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Pushes an entry.</summary>
    public void Push(in HeldLock entry)
    {
        if (Count == _items.Length)
        {
            DropStale();
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }
        }

        _items[Count++] = entry;
    }

    /// <summary>Removes the innermost entry of <paramref name="instance"/> (live or stale); false if none.</summary>
    public bool Remove(object instance)
    {
        for (int i = Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_items[i].Instance, instance))
            {
                RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="instance"/> has a live entry of <paramref name="validator"/> (a nest lock is held).</summary>
    public bool HoldsInstance(object instance, LockValidator validator, int epoch)
    {
        for (int i = Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_items[i].Instance, instance) && _items[i].IsLive(validator, epoch))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Replaces entry <paramref name="index"/> (a merged entry whose reference count changed).</summary>
    public void Set(int index, in HeldLock entry) => _items[index] = entry;

    /// <summary>
    /// Releases one nested instance of <paramref name="node"/> (the kernel's find_held_lock: an exact instance
    /// match, else a merged entry of the class): a merged entry loses a reference, its last one or a single entry
    /// is removed.
    /// False when the thread holds neither.
    /// </summary>
    public bool RemoveNested(object instance, LockNode node)
    {
        int found = -1;
        for (int i = Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_items[i].Instance, instance))
            {
                found = i;
                break;
            }
        }

        if (found < 0)
        {
            for (int i = Count - 1; i >= 0; i--)
            {
                if (ReferenceEquals(_items[i].Node, node) && _items[i].References > 0)
                {
                    found = i;
                    break;
                }
            }
        }

        if (found < 0)
        {
            return false;
        }

        if (_items[found].References > 1)
        {
            // A merged entry keeps standing for the rest.
            _items[found] = _items[found].WithReferences(_items[found].References - 1);
        }
        else
        {
            RemoveAt(found);
        }

        return true;
    }

    /// <summary>Removes every entry of <paramref name="validator"/>, live or stale.</summary>
    public void RemoveAll(LockValidator validator)
    {
        int kept = 0;
        for (int i = 0; i < Count; i++)
        {
            if (!ReferenceEquals(_items[i].Node.Validator, validator))
            {
                _items[kept++] = _items[i];
            }
        }

        Array.Clear(_items, kept, Count - kept);
        Count = kept;
    }

    /// <summary>The live entries of <paramref name="validator"/>, outermost first (for reports).</summary>
    public List<HeldLock> LiveEntries(LockValidator validator, int epoch)
    {
        var live = new List<HeldLock>();
        for (int i = 0; i < Count; i++)
        {
            if (_items[i].IsLive(validator, epoch))
            {
                live.Add(_items[i]);
            }
        }

        return live;
    }

    private void RemoveAt(int index)
    {
        LockValidator validator = _items[index].Node.Validator;
        int epoch = _items[index].Epoch;
        Array.Copy(_items, index + 1, _items, index, Count - index - 1);
        _items[--Count] = default;

        // The chain keys above the hole included the removed lock: recompute them, as the kernel's
        // reacquire_held_locks does after a non-nested unlock, so the next acquisition hashes the real chain.
        int below = -1;
        for (int i = index - 1; i >= 0; i--)
        {
            if (_items[i].IsLive(validator, epoch))
            {
                below = i;
                break;
            }
        }

        ulong key = below >= 0 ? _items[below].ChainKey : ChainHash.Empty;
        for (int i = index; i < Count; i++)
        {
            HeldLock entry = _items[i];
            if (!entry.IsLive(validator, epoch))
            {
                continue;
            }

            key = ChainHash.Extend(key, entry.Node.Id, entry.Kind, entry.Trylock, entry.Nested);
            _items[i] = entry.WithChainKey(key);
        }
    }

    private void DropStale()
    {
        int kept = 0;
        for (int i = 0; i < Count; i++)
        {
            HeldLock entry = _items[i];
            if (entry.Epoch == entry.Node.Validator.Epoch)
            {
                _items[kept++] = entry;
            }
        }

        Array.Clear(_items, kept, Count - kept);
        Count = kept;
    }
}
