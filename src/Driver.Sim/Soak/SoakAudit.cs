using System.Collections.Concurrent;
using Driver.Core.Errors;

namespace Driver.Sim.Soak;

/// <summary>
/// The soak's tallies and invariant checks, shared by every thread: submissions, refusals and final statuses by
/// errno, store checks, and violations (with the first few as samples).
/// </summary>
internal sealed class SoakAudit
{
    /// <summary>How long a signalled fence's callbacks may take to run before that counts as a lost callback.</summary>
    private static readonly TimeSpan s_callbackBound = TimeSpan.FromSeconds(5);

    /// <summary>Most violation messages kept.</summary>
    public const int MaxSamples = 20;

    private readonly ConcurrentDictionary<string, int> _rejected = new();
    private readonly ConcurrentDictionary<string, int> _statuses = new();
    private readonly ConcurrentQueue<string> _samples = new();
    private long _violations, _batches, _spinners, _unsignaled, _verified, _mismatched, _stray, _skipped, _signalled, _watched, _deadlocks;

    /// <summary>Batches submitted (with a fence).</summary>
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Spinners submitted.</summary>
    public long Spinners => Interlocked.Read(ref _spinners);
    /// <summary>Fences still unsignaled after the drain.</summary>
    public long Unsignaled => Interlocked.Read(ref _unsignaled);
    /// <summary>Stores found where they belong.</summary>
    public long StoresVerified => Interlocked.Read(ref _verified);
    /// <summary>Stores of an ok or -EAGAIN batch that did not land.</summary>
    public long StoresMismatched => Interlocked.Read(ref _mismatched);
    /// <summary>Non-zero dwords no batch targeted.</summary>
    public long StoresStray => Interlocked.Read(ref _stray);
    /// <summary>Stores not checked: their batch failed (-EIO) or was refused.</summary>
    public long StoresSkipped => Interlocked.Read(ref _skipped);
    /// <summary>Invariant violations.</summary>
    public long Violations => Interlocked.Read(ref _violations);
    /// <summary>The first violations' messages.</summary>
    public IReadOnlyList<string> Samples => _samples.ToArray();
    /// <summary>Execbufs refused, by errno name.</summary>
    public IReadOnlyDictionary<string, int> Rejected => new SortedDictionary<string, int>(_rejected);
    /// <summary>Final fence statuses: "ok" or the errno name.</summary>
    public IReadOnlyDictionary<string, int> Statuses => new SortedDictionary<string, int>(_statuses);

    /// <summary>Fences watched (<see cref="SoakFence"/>s created): batches, spinners and the other fences the soak checks.</summary>
    public long Watched => Interlocked.Read(ref _watched);
    /// <summary>Watched fences seen to signal: the deadlock watchdog's measure of progress.</summary>
    public long Signalled => Interlocked.Read(ref _signalled);
    /// <summary>Deadlocks reported (by the watchdog, or a thread that did not stop within its bound).</summary>
    public long Deadlocks => Interlocked.Read(ref _deadlocks);

    /// <summary>Counts a fence starting to be watched.</summary>
    public void FenceWatched() => Interlocked.Increment(ref _watched);

    /// <summary>Counts a watched fence's (first) signal.</summary>
    public void FenceSignalled() => Interlocked.Increment(ref _signalled);

    /// <summary>Records a deadlock: a violation too.</summary>
    public void Deadlock(string message)
    {
        Interlocked.Increment(ref _deadlocks);
        Violation($"deadlock: {message}");
    }

    /// <summary>Counts a batch submitted.</summary>
    public void BatchSubmitted() => Interlocked.Increment(ref _batches);

    /// <summary>Counts a spinner submitted.</summary>
    public void SpinnerSubmitted() => Interlocked.Increment(ref _spinners);

    /// <summary>Counts a refused execbuf; anything but -EIO (wedged, banned) is a violation.</summary>
    public void ExecbufRefused(int error, string what)
    {
        _rejected.AddOrUpdate(Errno.Name(error), 1, (_, n) => n + 1);
        if (error != -Errno.EIO)
        {
            Violation($"{what}: execbuf refused with {Errno.Name(error)} (only EIO is expected)");
        }
    }

    /// <summary>Records a violation of the invariant.</summary>
    public void Violation(string message)
    {
        if (Interlocked.Increment(ref _violations) <= MaxSamples)
        {
            _samples.Enqueue(message);
        }
    }

    /// <summary>
    /// Checks a fence after its wait: signalled once (one signal attempt), status 1 / -EIO / -EAGAIN, the same as at its signal. Returns
    /// the status (0 when unsignaled).
    /// </summary>
    public int CheckFence(SoakFence f)
    {
        int status = f.Fence.Status;
        if (status == 0)
        {
            Interlocked.Increment(ref _unsignaled);
            Violation($"{f.What}: fence never signalled");
            return 0;
        }
        _statuses.AddOrUpdate(status > 0 ? "ok" : Errno.Name(status), 1, (_, n) => n + 1);
        if (status != 1 && status != -Errno.EIO && status != -Errno.EAGAIN)
        {
            Violation($"{f.What}: fence status {Errno.Name(status)} (only ok, EIO, EAGAIN are expected)");
        }

        // A second Signal() is refused by the fence (once-only) and runs no callback, so the SoakFence never sees it:
        // only the fence's count of attempts shows a double completion of the same request.
        int attempts = f.Fence.SignalAttempts;
        if (attempts > 1)
        {
            Violation($"{f.What}: signalled {attempts} times (a second completion of the same fence)");
        }

        if (!f.WaitCallback(s_callbackBound))
        {
            Violation($"{f.What}: signalled but its callback never ran");
        }
        else if (f.StatusAtSignal != status)
        {
            Violation($"{f.What}: status changed after the signal ({Describe(f.StatusAtSignal)} then {Describe(status)})");
        }

        return status;
    }

    /// <summary>Counts store checks of one batch.</summary>
    public void Stores(int verified, int mismatched, int skipped)
    {
        Interlocked.Add(ref _verified, verified);
        Interlocked.Add(ref _mismatched, mismatched);
        Interlocked.Add(ref _skipped, skipped);
    }

    /// <summary>Counts stray stores.</summary>
    public void Stray(int count) => Interlocked.Add(ref _stray, count);

    private static string Describe(int status) => status > 0 ? "ok" : status == 0 ? "pending" : Errno.Name(status);
}
