namespace Driver.Core.Locking;

/// <summary>
/// One kind of lock (e.g. "engine->sched.lock"), shared by all its instances, like the kernel's lock_class_key.
/// Obtain it with <see cref="LockValidator.Class"/>; the same name always gives the same object.
/// </summary>
public sealed class LockClass
{
    /// <summary>The kernel's MAX_LOCKDEP_SUBCLASSES: subclasses 0..7.</summary>
    public const int MaxSubclasses = 8;

    private readonly LockNode?[] _subclassNodes = new LockNode?[MaxSubclasses];

    /// <summary>Creates the class; only <see cref="LockValidator.Class"/> does.</summary>
    internal LockClass(string name, LockValidator validator)
    {
        Name = name;
        Validator = validator;
        Node0 = new LockNode(this, 0, validator.NextNodeId());
        _subclassNodes[0] = Node0;
    }

    /// <summary>The class name given to <see cref="LockValidator.Class"/>.</summary>
    public string Name { get; }

    /// <summary>The validator whose graph this class belongs to.</summary>
    public LockValidator Validator { get; }

    /// <summary>The graph node of subclass 0, kept in a field because every plain Lock() uses it.</summary>
    internal LockNode Node0 { get; }

    /// <summary>The graph node for <paramref name="subclass"/>, created on first use.</summary>
    internal LockNode Node(int subclass)
    {
        CheckSubclass(subclass);
        LockNode? node = Volatile.Read(ref _subclassNodes[subclass]);
        if (node is not null)
        {
            return node;
        }

        // Losing the race only wastes a node id: CompareExchange publishes exactly one node per slot.
        var created = new LockNode(this, subclass, Validator.NextNodeId());
        return Interlocked.CompareExchange(ref _subclassNodes[subclass], created, null) ?? created;
    }

    /// <summary>The nodes created so far.</summary>
    internal IEnumerable<LockNode> Nodes
    {
        get
        {
            for (int i = 0; i < _subclassNodes.Length; i++)
            {
                if (Volatile.Read(ref _subclassNodes[i]) is { } n)
                {
                    yield return n;
                }
            }
        }
    }

    /// <summary>Throws unless 0 &lt;= <paramref name="subclass"/> &lt; <see cref="MaxSubclasses"/>.</summary>
    internal static void CheckSubclass(int subclass)
    {
        if ((uint)subclass >= MaxSubclasses)
        {
            throw new ArgumentOutOfRangeException(nameof(subclass), subclass, $"lock subclass must be in [0, {MaxSubclasses})");
        }
    }

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
