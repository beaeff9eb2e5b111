using System.Diagnostics;

namespace Driver.Igt.Lib;

/// <summary>
/// gem_eio's hang_after(): runs an action (the manual hang) on its own thread after a delay, and records when it
/// fired so the waiter can time its wake-up. Sub-millisecond delays are spun, longer ones slept.
/// </summary>
public sealed class IgtHangTimer
{
    private readonly Thread _thread;
    private long _firedAt;

    /// <summary>Starts the timer.</summary>
    public IgtHangTimer(TimeSpan delay, Action action)
    {
        _thread = new Thread(() =>
        {
            var sw = Stopwatch.StartNew();
            if (delay >= TimeSpan.FromMilliseconds(2))
            {
                Thread.Sleep(delay - TimeSpan.FromMilliseconds(1));
            }

            while (sw.Elapsed < delay)
            {
                Thread.SpinWait(10);
            }

            Volatile.Write(ref _firedAt, Stopwatch.GetTimestamp());
            action();
        })
        { IsBackground = true, Name = "igt hang_after" };
        _thread.Start();
    }

    /// <summary>Stopwatch timestamp of the moment the action started, 0 before.</summary>
    public long FiredAt => Volatile.Read(ref _firedAt);

    /// <summary>Waits (bounded) for the action to have run; false on timeout.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);
}
