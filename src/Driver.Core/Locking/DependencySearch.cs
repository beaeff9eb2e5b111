namespace Driver.Core.Locking;

/// <summary>
/// Breadth-first search for a "strong" dependency path (lockdep-design.rst): one with no lock entered by a
/// -(*R)-> edge and left by a -(S*)-> edge, since a recursive reader never waits for a shared holder.
/// Each node is visited in two states: reached by a non-recursive edge (anything may follow) or by a -(*R)->
/// edge (only -(E*)-> may follow). The first is never worse, so a node reached that way is not revisited.
/// Caller holds the graph lock.
/// </summary>
internal static class DependencySearch
{
    /// <summary>
    /// The shortest path <paramref name="next"/> → … → <paramref name="held"/> that, closed by the new dependency
    /// held → next of type <paramref name="newType"/>, makes a strong cycle; null if there is none.
    /// </summary>
    public static List<LockEdge>? FindCycle(LockNode next, LockNode held, DependencyTypes newType)
    {
        bool startRecursive = DependencyTypeRules.IsRecursiveTarget(newType);
        bool closeShared = DependencyTypeRules.IsSharedHolder(newType);

        var parents = new Dictionary<(LockNode Node, bool Recursive), (LockNode Node, bool Recursive, LockEdge Edge)>();
        var queue = new Queue<(LockNode Node, bool Recursive)>();
        (LockNode next, bool startRecursive) start = (next, startRecursive);
        queue.Enqueue(start);
        var seen = new HashSet<(LockNode, bool)> { start };

        while (queue.Count > 0)
        {
            (LockNode node, bool recursive) = queue.Dequeue();
            // The cycle closes through `held` unless held is entered by -(*R)-> and left (new edge) by -(S*)->.
            if (ReferenceEquals(node, held) && !(recursive && closeShared))
            {
                return Unwind(parents, (node, recursive), start);
            }

            foreach (LockEdge edge in node.Edges)
            {
                DependencyTypes usable = recursive ? edge.Types & DependencyTypes.FromExclusive : edge.Types;
                if (usable == DependencyTypes.None)
                {
                    continue;
                }

                bool nextRecursive = (usable & DependencyTypes.ToNonRecursive) == 0;
                (LockNode To, bool nextRecursive) state = (edge.To, nextRecursive);
                if (seen.Contains((edge.To, false)) || !seen.Add(state))
                {
                    continue;
                }

                parents[state] = (node, recursive, edge);
                queue.Enqueue(state);
            }
        }

        return null;
    }

    private static List<LockEdge> Unwind(
        Dictionary<(LockNode Node, bool Recursive), (LockNode Node, bool Recursive, LockEdge Edge)> parents,
        (LockNode Node, bool Recursive) end,
        (LockNode Node, bool Recursive) start)
    {
        var path = new List<LockEdge>();
        (LockNode Node, bool Recursive) state = end;
        while (state != start)
        {
            (LockNode Node, bool Recursive, LockEdge Edge) parent = parents[state];
            path.Add(parent.Edge);
            state = (parent.Node, parent.Recursive);
        }

        path.Reverse();
        return path;
    }
}
