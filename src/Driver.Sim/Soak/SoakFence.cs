using Driver.Core.Fences;

namespace Driver.Sim.Soak;

/// <summary>
/// Watches one fence of the soak: a callback node on it that counts signals (more than one is a violation, reported
/// to the audit the moment it happens) and keeps the status seen at the signal, so a later change of the error (an
/// error set after the signal) shows up as a difference from the final status.
/// </summary>
internal sealed class SoakFence : FenceCallback
{
    private readonly SoakAudit _audit;
    private int _signals;
    private int _statusAtSignal;

    /// <summary>Starts watching <paramref name="fence"/>.</summary>
    public SoakFence(DmaFence fence, string what, SoakAudit audit)
    {
        Fence = fence;
        What = what;
        _audit = audit;
        audit.FenceWatched();
        // Refused when the fence has already signalled: that signal is the one we count.
        if (!fence.AddCallback(this))
        {
            Invoke(fence);
        }
    }

    /// <summary>The fence.</summary>
    public DmaFence Fence { get; }

    /// <summary>What the fence belongs to, for violation messages ("rcs0 batch 12 of t1/ctx3").</summary>
    public string What { get; }

    /// <summary>Times the fence was seen to signal.</summary>
    public int Signals => Volatile.Read(ref _signals);

    /// <summary>The fence's status when it signalled (0 before).</summary>
    public int StatusAtSignal => Volatile.Read(ref _statusAtSignal);

    /// <summary>
    /// Waits (bounded) for the callback after the fence was seen signalled: callbacks run just after the signal, on
    /// the signalling thread, so a waiter woken by the signal may look before they have run. False if it never ran.
    /// </summary>
    public bool WaitCallback(TimeSpan bound)
    {
        if (Signals > 0)
        {
            return true;
        }

        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        var spin = new SpinWait();
        while (Signals == 0)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }
        return true;
    }

    /// <inheritdoc/>
    public override void Invoke(DmaFence fence)
    {
        Volatile.Write(ref _statusAtSignal, fence.Status);
        int signals = Interlocked.Increment(ref _signals);
        if (signals == 1)
        {
            _audit.FenceSignalled();
        }
        else
        {
            _audit.Violation($"{What}: fence signalled {Signals} times");
        }
    }
}
