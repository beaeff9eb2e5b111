namespace Driver.Core.Locking;

/// <summary>
/// A wound/wait class (the kernel's struct ww_class): the stamp counter that orders acquire contexts, the choice of
/// deadlock-avoidance algorithm, and the two lock classes the validator sees: "&lt;name&gt;_acquire" for the acquire
/// contexts and "&lt;name&gt;_mutex" for every mutex of the class (one class, however many objects).
/// </summary>
/// <remarks>
/// Wound-wait (<c>DEFINE_WW_CLASS</c>, <see cref="IsWaitDie"/> false): an older context that must wait for a lock
/// held by a younger one wounds it, and the younger backs off with -EDEADLK when it next has to wait. Wait-die
/// (<c>DEFINE_WD_CLASS</c>): a younger context that must wait for a lock held by an older one dies at once with
/// -EDEADLK. Either way a context that holds nothing just waits (it cannot close a cycle), which is what makes
/// <see cref="WwMutex.LockSlow"/> safe, and the stamp survives back-off, so a retried transaction ages and wins.
/// <para>
/// Every mutex of the class shares one wait lock (<see cref="Sync"/>), where the kernel has one per mutex: a wound
/// must wake the wounded context wherever it sleeps, and with one monitor that is a PulseAll with no lock-order
/// question between mutexes. It is held only for state changes, never while a ww_mutex is held.
/// </para>
/// </remarks>
public sealed class WwClass
{
    private long _stamp;

    /// <summary>Creates a class; <paramref name="validator"/> defaults to <see cref="Lockdep.Default"/>.</summary>
    public WwClass(string name, bool isWaitDie = false, LockValidator? validator = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        validator ??= Lockdep.Default;
        Name = name;
        IsWaitDie = isWaitDie;
        AcquireClass = validator.Class(name + "_acquire");
        MutexClass = validator.Class(name + "_mutex");
    }

    /// <summary>The class name.</summary>
    public string Name { get; }

    /// <summary>True for wait-die (<c>DEFINE_WD_CLASS</c>), false for wound-wait (<c>DEFINE_WW_CLASS</c>).</summary>
    public bool IsWaitDie { get; }

    /// <summary>Validator class of the acquire contexts (the kernel's ww_class.acquire_key).</summary>
    public LockClass AcquireClass { get; }

    /// <summary>Validator class of every mutex of this class (the kernel's ww_class.mutex_key).</summary>
    public LockClass MutexClass { get; }

    /// <summary>
    /// The wait lock of every mutex of the class: guards each mutex's owner and context, each context's acquired
    /// count, wounded flag and contending lock, and <see cref="Waiters"/>. Waiters sleep on it; every unlock, wound
    /// and cancellation pulses it.
    /// </summary>
    internal object Sync { get; } = new();

    /// <summary>Threads sleeping on <see cref="Sync"/>; read and written under it (an unlock with none skips the pulse).</summary>
    internal int Waiters { get; set; }

    /// <summary>ww_acquire_init's stamp: atomic_long_inc_return(&amp;ww_class-&gt;stamp). Lower is older.</summary>
    internal long NextStamp() => Interlocked.Increment(ref _stamp);

    /// <summary>Wakes every sleeper of the class so each re-checks its condition (unlock, wound, cancellation).</summary>
    internal void WakeAll()
    {
        lock (Sync)
        {
            Monitor.PulseAll(Sync);
        }
    }

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
