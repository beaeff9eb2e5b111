using System.Runtime.ExceptionServices;

namespace Driver.Testing;

/// <summary>
/// A named background thread for tests. Whatever its body throws (a failed Assert included) is captured and rethrown,
/// with the thread's stack, by <see cref="Join"/>: an exception escaping a raw thread would kill the test host.
/// </summary>
public sealed class TestThread
{
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;

    private TestThread(string name, Action body, int maxStackSize)
    {
        _thread = new Thread(
            () =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                // Published by the thread's exit, which Join observes.
                _failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize)
        {
            IsBackground = true,
            Name = name,
        };
    }

    /// <summary>The thread's name.</summary>
    public string Name => _thread.Name!;

    /// <summary>The underlying thread (for <see cref="Thread.IsAlive"/>).</summary>
    public Thread Thread => _thread;

    /// <summary>
    /// Whether the thread is blocked now (a monitor or event wait, a sleep, a join): with a condition published just
    /// before the thread blocks (a fence's waiter count), it tells "about to sleep" from "asleep".
    /// </summary>
    public bool IsBlocked => (_thread.ThreadState & ThreadState.WaitSleepJoin) != 0;

    /// <summary>
    /// Starts <paramref name="body"/> on a new background thread named <paramref name="name"/>, with a stack of
    /// <paramref name="maxStackSize"/> bytes (0: the runtime's default), for tests that prove a path does not recurse.
    /// </summary>
    public static TestThread Start(string name, Action body, int maxStackSize = 0)
    {
        var thread = new TestThread(name, body, maxStackSize);
        thread._thread.Start();
        return thread;
    }

    /// <summary>Runs <paramref name="body"/> on a new thread and joins it (<see cref="Join"/>).</summary>
    public static void Run(string name, Action body) => Start(name, body).Join();

    /// <summary>
    /// Waits for the thread (at most <paramref name="bound"/>, default <see cref="Bound.Long"/>; the test fails if it
    /// is still running then) and rethrows whatever it threw.
    /// </summary>
    public void Join(TimeSpan? bound = null)
    {
        TimeSpan limit = bound ?? Bound.Long;
        Assert.True(_thread.Join(limit), $"thread '{Name}' did not finish within {limit.TotalSeconds:0.###} s");
        _failure?.Throw();
    }

    /// <summary>
    /// Waits for the thread (at most <paramref name="bound"/>, default <see cref="Bound.Long"/>) and returns whether
    /// it finished; never throws. For hooks that run on driver threads; call <see cref="Join"/> later to rethrow.
    /// </summary>
    public bool TryJoin(TimeSpan? bound = null) => _thread.Join(bound ?? Bound.Long);

    /// <summary>Joins every thread of <paramref name="threads"/> (<see cref="Join"/>), in order.</summary>
    public static void JoinAll(IEnumerable<TestThread> threads, TimeSpan? bound = null)
    {
        foreach (TestThread thread in threads)
        {
            thread.Join(bound);
        }
    }
}
