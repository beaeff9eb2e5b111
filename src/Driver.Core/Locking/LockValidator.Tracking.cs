namespace Driver.Core.Locking;

/// <summary>Acquire/release tracking and chain validation, called by the lock types when validation is on.</summary>
public sealed partial class LockValidator
{
    /// <summary>
    /// Validates a blocking acquisition of <paramref name="node"/> and pushes it on the thread's held stack. Called
    /// before the real lock is taken, as the kernel's lock_acquire is, so a deadlock is reported before it happens.
    /// If a <see cref="ReportAdded"/> handler throws, nothing is pushed and the exception propagates.
    /// </summary>
    internal void OnAcquire(LockNode node, object instance, AcquireKind kind) =>
        Track(node, instance, kind, trylock: false, push: true);

    /// <summary>Records a successful trylock: pushed, no dependencies added (a trylock cannot deadlock).</summary>
    internal void OnTryAcquired(LockNode node, object instance, AcquireKind kind) =>
        Track(node, instance, kind, trylock: true, push: true);

    /// <summary>
    /// mutex_acquire_nest: a blocking acquisition of <paramref name="node"/> under the nest lock
    /// <paramref name="nestLock"/> (a ww acquire context), which this thread holds. Another instance of the class on
    /// top of the held stack, also nested, absorbs it (its reference count grows); one further down is not recursion
    /// while the nest lock is held (check_deadlock: "we're holding the nest_lock, which serializes this lock's
    /// nesting behaviour") and adds no dependency. Without the nest lock held it is validated like a plain acquisition.
    /// </summary>
    internal void OnAcquireNested(LockNode node, object instance, object nestLock) =>
        Track(node, instance, AcquireKind.Exclusive, trylock: false, push: true, nestLock);

    /// <summary>A successful trylock under <paramref name="nestLock"/>; see <see cref="OnAcquireNested"/>.</summary>
    internal void OnTryAcquiredNested(LockNode node, object instance, object nestLock) =>
        Track(node, instance, AcquireKind.Exclusive, trylock: true, push: true, nestLock);

    /// <summary>
    /// Releases a lock taken by <see cref="OnAcquireNested"/>: its own entry, or one reference of a merged entry of
    /// its class. False when the thread holds neither (caller decides whether to report).
    /// </summary>
    internal bool OnReleaseNested(object instance, LockNode node) =>
        HeldLockStack.CurrentOrNull?.RemoveNested(instance, node) ?? false;

    /// <summary>Pops the innermost entry of <paramref name="instance"/>; false when the thread holds none (caller decides whether to report).</summary>
    internal bool OnRelease(object instance) => HeldLockStack.CurrentOrNull?.Remove(instance) ?? false;

    /// <summary>Reports a release of <paramref name="node"/> that the calling thread does not hold.</summary>
    internal void ReportBadUnlock(LockNode node)
    {
        var site = CallSite.Capture();
        string thread = CurrentThreadLabel();
        IReadOnlyList<HeldLock> held = HeldLockStack.CurrentOrNull?.LiveEntries(this, Epoch) ?? [];
        List<LockdepReport>? added = null;
        lock (_graphLock)
        {
            TryAddReport(LockdepReportKind.BadUnlockBalance, ReportFormatter.BadUnlockTitle, [node.Name], thread,
                () => ReportFormatter.BadUnlock(thread, node, site, held), ref added);
        }

        Raise(added);
    }

    private void Track(LockNode node, object instance, AcquireKind kind, bool trylock, bool push, object? nestLock = null)
    {
        HeldLockStack stack = HeldLockStack.Current;
        int epoch = Epoch;
        int top = stack.FindTop(this, epoch);
        bool nested = nestLock is not null && stack.HoldsInstance(nestLock, this, epoch);
        if (nested && push && top >= 0 && ReferenceEquals(stack[top].Node, node) && stack[top].Nested)
        {
            // __lock_acquire: the same class on top, under its nest lock: one more reference, no new chain.
            stack.Set(top, stack[top].WithReferences(Math.Max(1, stack[top].References) + 1));
            return;
        }

        ulong key = ChainHash.Extend(top >= 0 ? stack[top].ChainKey : ChainHash.Empty, node.Id, kind, trylock, nested);
        if (!_chains.TryGetValue(key, out CallSite? site))
        {
            site = ValidateNewChain(stack, epoch, node, kind, trylock, key, nested);
        }

        if (push)
        {
            stack.Push(new HeldLock(node, instance, kind, trylock, epoch, key, site, nested));
        }
    }

    /// <summary>
    /// The slow path, run once per distinct held chain: recursion check, then the new dependencies from the held
    /// locks (the innermost one, and further out past trylocked ones, as check_prevs_add does) with a cycle search
    /// for each. Trylocks only register the chain.
    /// </summary>
    private CallSite ValidateNewChain(HeldLockStack stack, int epoch, LockNode node, AcquireKind kind, bool trylock, ulong key, bool nested)
    {
        var site = CallSite.Capture();
        List<LockdepReport>? added = null;
        lock (_graphLock)
        {
            if (_chains.TryGetValue(key, out CallSite? raced))
            {
                return raced;
            }

            _chainValidations++;
            if (!trylock && !CheckRecursion(stack, epoch, node, kind, nested, site, ref added))
            {
                AddDependencies(stack, epoch, node, kind, site, ref added);
            }

            _chains[key] = site;
        }

        Raise(added);
        return site;
    }

    /// <summary>
    /// check_deadlock: is <paramref name="node"/> already held by this thread? A shared re-acquisition of a shared
    /// hold is allowed (and, as in the kernel, still adds the dependencies of the locks held above the first hold),
    /// and so is a nested one (taken under its held nest lock, adding none); anything else is reported. Returns true
    /// when the acquisition must add no dependencies.
    /// </summary>
    private bool CheckRecursion(
        HeldLockStack stack, int epoch, LockNode node, AcquireKind kind, bool nested, CallSite site, ref List<LockdepReport>? added)
    {
        for (int i = 0; i < stack.Count; i++)
        {
            HeldLock held = stack[i];
            if (!ReferenceEquals(held.Node, node) || held.Epoch != epoch)
            {
                continue;
            }

            if (kind != AcquireKind.Exclusive && held.Kind != AcquireKind.Exclusive)
            {
                // check_deadlock: read after read is not recursion, but validate_chain still runs check_prevs_add,
                // so the locks taken since the first read are ordered before this one.
                continue;
            }

            if (nested)
            {
                return true;
            }

            string thread = CurrentThreadLabel();
            List<HeldLock> live = stack.LiveEntries(this, epoch);
            bool fenceWait = ReferenceEquals(node, _fenceClass.Node0);
            TryAddReport(
                fenceWait ? LockdepReportKind.FenceWaitInSignallingSection : LockdepReportKind.RecursiveLocking,
                fenceWait ? ReportFormatter.FenceWaitTitle : ReportFormatter.RecursiveTitle,
                [node.Name],
                thread,
                () => ReportFormatter.Recursive(thread, held, node, site, live, fenceWait),
                ref added);
            return true;
        }

        return false;
    }

    private void AddDependencies(HeldLockStack stack, int epoch, LockNode node, AcquireKind kind, CallSite site, ref List<LockdepReport>? added)
    {
        for (int i = stack.Count - 1; i >= 0; i--)
        {
            HeldLock held = stack[i];
            if (!held.IsLive(this, epoch))
            {
                continue;
            }

            // A read re-entering its own class (allowed by CheckRecursion): no class → same class dependency, which
            // would be a cycle of one; the locks further out were ordered before it by its first acquisition.
            if (!ReferenceEquals(held.Node, node))
            {
                AddDependency(stack, epoch, held, node, kind, site, ref added);
            }

            // Locks further out are already connected to `held` by its own acquisition, unless it was a trylock,
            // which recorded nothing: then the next one out must depend on `node` directly.
            if (!held.Trylock)
            {
                break;
            }
        }
    }

    private void AddDependency(
        HeldLockStack stack, int epoch, HeldLock held, LockNode next, AcquireKind kind, CallSite site, ref List<LockdepReport>? added)
    {
        DependencyTypes type = DependencyTypeRules.For(held.Kind, kind);
        LockEdge? edge = held.Node.FindEdge(next);
        if (edge is not null && (edge.Types & type) != 0)
        {
            return;
        }

        List<LockEdge>? path = DependencySearch.FindCycle(next, held.Node, type);
        if (path is not null)
        {
            var chain = new List<string>(path.Count + 1) { held.Node.Name };
            chain.AddRange(path.Select(e => e.From.Name));
            string thread = CurrentThreadLabel();
            List<HeldLock> live = stack.LiveEntries(this, epoch);
            TryAddReport(LockdepReportKind.CircularDependency, ReportFormatter.CircularTitle, chain, thread,
                () => ReportFormatter.Circular(thread, held, next, site, path, live), ref added);
        }

        // The dependency is recorded even when it closed a reported cycle: the graph mirrors what the driver did,
        // and the cycle's own edges then all exist, so no rotation of it is reported again.
        if (edge is null)
        {
            edge = new LockEdge(held.Node, next, site);
            held.Node.AddEdge(edge);
        }

        edge.Types |= type;
    }
}
