namespace Driver.Fuzz;

/// <summary>
/// How far a fuzz run's cases reached into the driver: execbufs the driver accepted (a fence to watch) and batches an
/// engine actually began executing. A run whose cases were all refused at the uAPI's door tested only the refusals;
/// <see cref="FuzzBudget.RequireExecution"/> makes such a run fail rather than pass vacuously. Counted per run: the
/// runner installs one as <see cref="Current"/>, which flows (an AsyncLocal) to the case's threads.
/// </summary>
public sealed class FuzzReach
{
    private static readonly AsyncLocal<FuzzReach?> s_current = new();
    private long _accepted;
    private long _executed;

    /// <summary>The reach of the run the calling thread's case belongs to, or null outside a run.</summary>
    public static FuzzReach? Current
    {
        get => s_current.Value;
        internal set => s_current.Value = value;
    }

    /// <summary>Execbufs accepted (returned 0 with a fence).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Accepted batches an engine began executing (the request's start stamp set).</summary>
    public long Executed => Interlocked.Read(ref _executed);

    /// <summary>One execbuf accepted. Cases may run several client threads: atomic.</summary>
    public void CountAccepted() => Interlocked.Increment(ref _accepted);

    /// <summary>One batch executed.</summary>
    public void CountExecuted() => Interlocked.Increment(ref _executed);

    /// <summary>A whole run's counts at once (a scenario run reports its own).</summary>
    public void Count(long accepted, long executed)
    {
        Interlocked.Add(ref _accepted, accepted);
        Interlocked.Add(ref _executed, executed);
    }
}
