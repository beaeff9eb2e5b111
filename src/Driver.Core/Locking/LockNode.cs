namespace Driver.Core.Locking;

/// <summary>
/// A vertex of the dependency graph: one (class, subclass) pair, as the kernel gives each subclass of a
/// lock_class_key its own lock_class. Its edges are read and written only under the validator's graph lock.
/// </summary>
internal sealed class LockNode
{
    private Dictionary<LockNode, LockEdge>? _edgesByTarget;
    private List<LockEdge>? _edges;

    /// <summary>Creates the node for <paramref name="cls"/> at <paramref name="subclass"/>.</summary>
    public LockNode(LockClass cls, int subclass, int id)
    {
        Class = cls;
        Subclass = subclass;
        Id = id;
        Name = subclass == 0 ? cls.Name : $"{cls.Name}/{subclass}";
    }

    /// <summary>The lock class this node belongs to.</summary>
    public LockClass Class { get; }

    /// <summary>The validator owning the graph; shortcut for Class.Validator.</summary>
    public LockValidator Validator => Class.Validator;

    /// <summary>The subclass (mutex_lock_nested argument).</summary>
    public int Subclass { get; }

    /// <summary>Unique within the validator; feeds the chain hash.</summary>
    public int Id { get; }

    /// <summary>Name used in reports: the class name, suffixed "/n" for subclass n &gt; 0 like the kernel.</summary>
    public string Name { get; }

    /// <summary>Outgoing edges in recording order. Caller holds the graph lock.</summary>
    public IReadOnlyList<LockEdge> Edges => (IReadOnlyList<LockEdge>?)_edges ?? [];

    /// <summary>The edge to <paramref name="target"/>, if recorded. Caller holds the graph lock.</summary>
    public LockEdge? FindEdge(LockNode target) =>
        _edgesByTarget is not null && _edgesByTarget.TryGetValue(target, out LockEdge? edge) ? edge : null;

    /// <summary>Records a new outgoing edge. Caller holds the graph lock.</summary>
    public void AddEdge(LockEdge edge)
    {
        _edges ??= [];
        _edgesByTarget ??= [];
        _edges.Add(edge);
        _edgesByTarget.Add(edge.To, edge);
    }

    /// <summary>Forgets every outgoing edge (<see cref="LockValidator.ResetGraph"/>). Caller holds the graph lock.</summary>
    public void ClearEdges()
    {
        _edges = null;
        _edgesByTarget = null;
    }

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
