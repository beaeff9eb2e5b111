using System.Runtime.ExceptionServices;

namespace Driver.Sim.Validation;

/// <summary>
/// Runs one actor of a lock-validator demo on a thread of its own (lockdep keys its held-lock stacks by thread, so each
/// side of a cycle must really be another thread), bounded, and rethrows what it threw on the caller's thread.
/// </summary>
internal static class DemoThread
{
    /// <summary>How long one actor may take before the demo gives up on it (a demo's actors never block each other).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="body"/> on a background thread named <paramref name="name"/> and waits for it.</summary>
    public static void Run(string name, Action body)
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
        if (!thread.Join(Timeout))
        {
            throw new TimeoutException($"lockdep demo thread '{name}' did not finish within {Timeout.TotalSeconds} s");
        }

        // Join orders the thread's write of failure before this read.
        failure?.Throw();
    }
}
