using Driver.Core.Locking;
using Driver.Core.Sync;
using Serilog;

namespace Driver.Reset.Mmap;

/// <summary>
/// Holds a <see cref="StopMachine"/> stopped across several reset callbacks: <see cref="StopMachine.Run"/> runs an
/// action synchronously, so a helper thread runs one whose action parks until <see cref="Resume"/>. While it is
/// parked no thread is inside a region of the machine (a GTT mmap access) and every thread that tries to enter one
/// waits at the gate. Used by the reset thread only (under the reset mutex), one stop at a time.
/// </summary>
internal sealed class MmapStopper
{
    // The "world stopped" event as a completion (cross-release): the reset thread waits for the helper to stop the
    // world, i.e. for everything the helper holds then (cpu_hotplug_lock, the stop itself). Wait on the reset thread
    // before it blocks; Complete on the helper right before it sets the event.
    private static readonly LockdepMap s_stopped = new("&mmap_stopper->stopped");

    private readonly StopMachine _machine;
    private readonly TimeSpan _holdLimit;
    private readonly ILogger _log;
    private Thread? _thread;
    private ManualResetEventSlim? _release;
    private ManualResetEventSlim? _stopped;

    public MmapStopper(StopMachine machine, TimeSpan holdLimit, ILogger log)
    {
        _machine = machine;
        _holdLimit = holdLimit;
        _log = log;
    }

    /// <summary>Whether the world is held stopped now.</summary>
    public bool IsStopped => _thread is not null;

    /// <summary>
    /// Stops the world (every access drained, new ones held) within <paramref name="timeout"/>. True if stopped
    /// (also when already stopped: nested prepare); false if some access did not finish in time, in which case
    /// nothing is held.
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_thread is not null)
        {
            return true;
        }

        var stopped = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        bool held = false;
        var thread = new Thread(() =>
        {
            _machine.Run(() =>
            {
                // Written before Set(): the reset thread reads it after Wait() returns (the event orders them).
                held = true;
                s_stopped.Complete();
                stopped.Set();
                // Bounded: if the reset never calls Resume (a bug), users are released rather than hung forever.
                if (!release.Wait(_holdLimit))
                {
                    _log.Error("mmap stop_machine held for {Limit} without a resume: releasing the mmap users", _holdLimit);
                }
            }, timeout);
            s_stopped.Complete();
            stopped.Set();
        })
        {
            IsBackground = true,
            Name = "mmap stop_machine",
        };
        thread.Start();
        s_stopped.Wait();
        stopped.Wait();
        if (!held)
        {
            thread.Join();
            stopped.Dispose();
            release.Dispose();
            return false;
        }
        _thread = thread;
        _release = release;
        _stopped = stopped;
        return true;
    }

    /// <summary>Lets the held users go and waits for the helper to finish. No-op when not stopped.</summary>
    public void Resume()
    {
        if (_thread is not { } thread)
        {
            return;
        }

        _release!.Set();
        thread.Join();
        _release.Dispose();
        _stopped!.Dispose();
        _thread = null;
        _release = null;
        _stopped = null;
    }
}
