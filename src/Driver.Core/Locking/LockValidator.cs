using System.Collections.Concurrent;

namespace Driver.Core.Locking;

/// <summary>
/// A lock validator modelled on the kernel's lockdep: one class-level dependency graph plus the reports it produced.
/// Every driver lock names a <see cref="LockClass"/> of one validator; <see cref="Default"/> serves the driver, and
/// tests that provoke reports use a private <c>new LockValidator()</c> so they can run in parallel.
/// </summary>
/// <remarks>
/// Model, like the kernel's: each thread keeps a stack of held locks; acquiring B while A is held records the
/// dependency A → B; a new dependency that closes a cycle (any length) is a possible deadlock. The per-thread
/// held-lock sequence is hashed into a chain key and cached once validated, so the steady state does one hash
/// lookup per acquisition and no stack walk. Known limits: dependencies between instances of one class are merged
/// (use subclasses); a handed-off lock is tracked by no thread while in transit (its releaser's held locks are
/// committed at the release, see LockValidator.CrossRelease.cs); read locks are modelled as
/// documented on <see cref="DriverRwLock"/>.
/// </remarks>
public sealed partial class LockValidator
{
    /// <summary>Name of the pseudo lock class that models dma_fence signalling (the kernel's dma_fence_lockdep_map).</summary>
    public const string FenceMapClassName = "dma_fence_map";

    // Orders every mutation and read of the graph (LockNode edges), the class table, chain-cache insertions and the
    // report list against each other. A plain System.Threading.Lock: the validator must not validate itself.
    // Never held while calling out (ReportAdded handlers, lock acquisitions).
    private readonly Lock _graphLock = new();
    private readonly Dictionary<string, LockClass> _classes = new(StringComparer.Ordinal);

    // Validated chains → where each was first seen. Read lock-free on every acquisition; written under _graphLock
    // only after the chain's dependencies are in the graph, so a cache hit implies they were checked.
    private readonly ConcurrentDictionary<ulong, CallSite> _chains = new();
    private readonly List<LockdepReport> _reports = [];
    private readonly HashSet<string> _reportKeys = new(StringComparer.Ordinal);
    private readonly LockClass _fenceClass;

    // _enabled is read without a barrier on every lock operation; a change reaches other threads within the usual
    // cache-coherence delay, and _epoch (bumped on every change) makes entries pushed under an older setting stale.
    private bool _enabled;
    private int _epoch;
    private int _nextNodeId;

    // Slow-path count, written under _graphLock: the steady state (a cache hit) must not pay for statistics.
    private int _chainValidations;

    /// <summary>Creates an empty, disabled validator with its own graph and report list.</summary>
    public LockValidator()
    {
        _fenceClass = Class(FenceMapClassName);
    }

    /// <summary>The driver-wide validator; enabled at startup when the environment variable GPUSIM_LOCKDEP is "1".</summary>
    public static LockValidator Default { get; } = CreateDefault();

    /// <summary>
    /// Whether lock operations are validated. Off, a lock operation costs one extra field read over the bare lock.
    /// Changing it makes every lock already tracked stale: locks taken before the change are neither validated nor
    /// reported when released.
    /// </summary>
    public bool Enabled
    {
        get => _enabled;
        set
        {
            lock (_graphLock)
            {
                if (_enabled == value)
                {
                    return;
                }

                Interlocked.Increment(ref _epoch);
                Volatile.Write(ref _enabled, value);
            }
        }
    }

    /// <summary>A snapshot of the reports so far, oldest first.</summary>
    public IReadOnlyList<LockdepReport> Reports
    {
        get
        {
            lock (_graphLock)
            {
                return _reports.ToArray();
            }
        }
    }

    /// <summary>Raised once per new report, on the thread that triggered it, after the validator released its own lock.</summary>
    public event Action<LockdepReport>? ReportAdded;

    /// <summary>The current enable epoch (see <see cref="Enabled"/>).</summary>
    internal int Epoch => Volatile.Read(ref _epoch);

    /// <summary>
    /// Held-lock chains validated so far: the slow path (recursion check, new dependencies, cycle search), run once
    /// per distinct chain. Every other acquisition is one lookup in the chain cache.
    /// </summary>
    internal int ChainValidations => Volatile.Read(ref _chainValidations);

    /// <summary>Chains in the cache (validated, or registered by a trylock).</summary>
    internal int CachedChains => _chains.Count;

    /// <summary>
    /// The class called <paramref name="name"/>: one per kind of lock (e.g. "engine->sched.lock"), not per instance.
    /// The same name always returns the same object.
    /// </summary>
    public LockClass Class(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_graphLock)
        {
            if (!_classes.TryGetValue(name, out LockClass? cls))
            {
                cls = new LockClass(name, this);
                _classes.Add(name, cls);
            }

            return cls;
        }
    }

    /// <summary>Empties the report list. Dependencies already reported stay known and are not reported again.</summary>
    public void ClearReports()
    {
        lock (_graphLock)
        {
            _reports.Clear();
        }
    }

    /// <summary>
    /// A reboot, as far as lockdep goes: forgets every dependency, validated chain, cross-release commit, report and
    /// report key (the locks and their classes stay), makes every lock tracked now stale, and primes the kernel maps
    /// again. For a process that runs several independent configurations one after the other on this validator with
    /// every driver thread stopped between them (a <c>gpusim lockdep</c> demo comparing designs); never while
    /// another thread holds a validated lock it will release.
    /// </summary>
    public void ResetGraph()
    {
        lock (_graphLock)
        {
            foreach (LockClass cls in _classes.Values)
            {
                foreach (LockNode node in cls.Nodes)
                {
                    node.ClearEdges();
                }
            }

            _chains.Clear();
            _commits.Clear();
            _reports.Clear();
            _reportKeys.Clear();
            Interlocked.Increment(ref _epoch);
        }

        Volatile.Write(ref _primed, 0);
        PrimeKernelMaps();
    }

    /// <summary>
    /// Driver threads call this as their last act: reports the locks of this validator the thread still holds
    /// ("lock held when returning to user space!") and forgets them. The locks themselves stay held.
    /// </summary>
    public void ThreadExit()
    {
        HeldLockStack? stack = HeldLockStack.CurrentOrNull;
        if (stack is null)
        {
            return;
        }

        List<HeldLock> live = stack.LiveEntries(this, Epoch);
        stack.RemoveAll(this);
        if (!Enabled || live.Count == 0)
        {
            return;
        }

        var site = CallSite.Capture();
        string thread = CurrentThreadLabel();
        string[] chain = live.Select(h => h.Node.Name).ToArray();
        List<LockdepReport>? added = null;
        lock (_graphLock)
        {
            TryAddReport(LockdepReportKind.HeldLockAtThreadExit, ReportFormatter.HeldAtExitTitle, chain, thread,
                () => ReportFormatter.HeldAtExit(thread, live, site), ref added);
        }

        Raise(added);
    }

    /// <summary>
    /// dma_fence_begin_signalling: enters a fence signalling section, modelled as the kernel does it: a successful
    /// (non-recursive) read trylock of the pseudo lock <see cref="FenceMapClassName"/>. As a trylock it adds no
    /// dependency on the section, and the locks taken inside depend on the section and, past it, on the locks held
    /// around it (check_prevs_add walks past a trylock). Returns the cookie for <see cref="EndSignalling"/>: true
    /// when nothing was acquired (already inside a section, or validation off), so nested sections are safe.
    /// </summary>
    public bool BeginSignalling()
    {
        if (!Enabled)
        {
            return true;
        }

        if (HeldLockStack.Current.HoldsLive(_fenceClass.Node0, Epoch))
        {
            return true;
        }

        OnTryAcquired(_fenceClass.Node0, _fenceClass, AcquireKind.Read);
        return false;
    }

    /// <summary>dma_fence_end_signalling: leaves the section <see cref="BeginSignalling"/> entered; <paramref name="cookie"/> is its result.</summary>
    public void EndSignalling(bool cookie)
    {
        if (cookie)
        {
            return;
        }

        // Release even when validation was switched off meanwhile, so the entry does not linger.
        if (!OnRelease(_fenceClass) && Enabled)
        {
            ReportBadUnlock(_fenceClass.Node0);
        }
    }

    /// <summary>
    /// Called by every fence wait: an exclusive acquire + release of the pseudo lock <see cref="FenceMapClassName"/>.
    /// Inside a signalling section it is reported; with lock L held it records L → dma_fence_map, which closes a cycle
    /// with any signalling section that takes L.
    /// </summary>
    public void MightWaitOnFence()
    {
        if (!Enabled)
        {
            return;
        }

        Track(_fenceClass.Node0, _fenceClass, AcquireKind.Exclusive, trylock: false, push: false);
    }

    private static LockValidator CreateDefault()
    {
        var v = new LockValidator { Enabled = Environment.GetEnvironmentVariable("GPUSIM_LOCKDEP") == "1" };
        v.PrimeKernelMaps();
        return v;
    }

    /// <summary>Allocates a graph node id.</summary>
    internal int NextNodeId() => Interlocked.Increment(ref _nextNodeId);

    private static string CurrentThreadLabel() =>
        $"{Thread.CurrentThread.Name ?? "thread"}/{Environment.CurrentManagedThreadId}";
}
