using System.Collections.Concurrent;

namespace Driver.Core.Locking;

/// <summary>
/// might_lock and the commit step of cross-release: waits and hand-offs whose other side runs on another thread.
/// </summary>
/// <remarks>
/// Cross-release (the kernel had it in 4.14, as LOCKDEP_CROSSRELEASE) lets a wait for a completion depend on the locks
/// the completer takes before completing. This keeps its two halves and drops the per-context history: the waiter
/// records held → crosslock (<see cref="OnMightAcquire"/>), and the completer records crosslock → every lock it holds
/// when it completes (<see cref="CommitCrossRelease"/>). Locks the completer took and released before completing are
/// not seen (a known limit: the kernel kept a ring of them); locks it held since before the wait began are counted,
/// which can only add a dependency the completer really had while the waiter waited.
/// </remarks>
public sealed partial class LockValidator
{
    // (crosslock node id, completer's chain key) pairs already committed: the steady state (the same completer
    // completing from the same held chain) is one lookup, like an acquisition's chain cache.
    private readonly ConcurrentDictionary<(int Node, ulong Chain), bool> _commits = new();

    /// <summary>might_lock: validates acquiring <paramref name="node"/> here without pushing it.</summary>
    internal void OnMightAcquire(LockNode node, AcquireKind kind) =>
        Track(node, node, kind, trylock: false, push: false);

    /// <summary>
    /// The commit of a cross-release: the calling thread completes what <paramref name="cross"/> stands for, so
    /// whoever waits for it waits for every lock the thread holds now: records cross → each of them, checking each
    /// new dependency for a cycle as an acquisition would.
    /// </summary>
    internal void CommitCrossRelease(LockNode cross)
    {
        HeldLockStack? stack = HeldLockStack.CurrentOrNull;
        int epoch = Epoch;
        int top = stack?.FindTop(this, epoch) ?? -1;
        if (stack is null || top < 0)
        {
            return;
        }

        if (_commits.ContainsKey((cross.Id, stack[top].ChainKey)))
        {
            return;
        }

        var site = CallSite.Capture();
        List<LockdepReport>? added = null;
        lock (_graphLock)
        {
            // The crosslock is "held" by the pending completion, exclusively: anyone waiting on it blocks.
            var crossHeld = new HeldLock(cross, cross, AcquireKind.Exclusive, trylock: false, epoch, 0, site);
            for (int i = 0; i < stack.Count; i++)
            {
                HeldLock held = stack[i];
                if (!held.IsLive(this, epoch) || ReferenceEquals(held.Node, cross))
                {
                    continue;
                }

                AddDependency(stack, epoch, crossHeld, held.Node, held.Kind, site, ref added);
            }

            _commits[(cross.Id, stack[top].ChainKey)] = true;
        }

        Raise(added);
    }
}
