using System.Runtime.ExceptionServices;

namespace Driver.Core.Tests.Locking;

/// <summary>Runs test bodies on real, named threads with bounded waits.</summary>
internal static class TestThreads
{
    /// <summary>The bound on every wait in the locking tests.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="body"/> on a new thread named <paramref name="name"/>, waits for it, rethrows its exception.</summary>
    public static void Run(string name, Action body) => Join(Start(name, body));

    /// <summary>Starts <paramref name="body"/> on a new thread; pass the result to <see cref="Join"/>.</summary>
    public static (Thread Thread, Func<ExceptionDispatchInfo?> Failure) Start(string name, Action body)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            Name = name,
            IsBackground = true,
        };
        thread.Start();
        return (thread, () => failure);
    }

    /// <summary>Waits (bounded) for a thread from <see cref="Start"/> and rethrows its exception.</summary>
    public static void Join((Thread Thread, Func<ExceptionDispatchInfo?> Failure) started)
    {
        Assert.True(started.Thread.Join(Timeout), $"thread '{started.Thread.Name}' did not finish in time");
        started.Failure()?.Throw();
    }
}
