using Driver.Core.Errors;

namespace Driver.Core.Fences;

/// <summary>
/// A fence signalled from outside the GPU, like vgem's (drivers/gpu/drm/vgem/vgem_fence.c): the producer signals it
/// by hand. So that a forgotten fence cannot block its waiters forever, an unsignalled one signals itself after a
/// timeout — with no error, as vgem_fence_timeout does — and a later explicit signal then reports <c>-ETIMEDOUT</c>
/// (vgem_fence_signal_ioctl finding the fence already signalled).
/// </summary>
public sealed class ExternalFence : DmaFence, IDisposable
{
    private const int Pending = 0;
    private const int Signalled = 1;
    private const int TimedOut = 2;

    /// <summary>Pending, signalled by hand, or timed out; decided once by compare-and-swap.</summary>
    private int _state;
    private readonly Timer _timer;

    /// <summary>Creates a pending fence that signals itself (without an error) after <paramref name="timeout"/>.</summary>
    public ExternalFence(TimeSpan timeout, ulong context = 0, uint seqno = 0) : base(context, seqno)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the timeout must be positive");
        }

        _timer = new Timer(static s => ((ExternalFence)s!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // Armed only after the field is assigned, so a very short timeout cannot fire on a half-built object.
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the fence signalled itself because nobody signalled it in time.</summary>
    public bool HasTimedOut => Volatile.Read(ref _state) == TimedOut;

    /// <summary>
    /// Signals the fence (VGEM_FENCE_SIGNAL): 0, <c>-ETIMEDOUT</c> when it had already signalled itself on timeout,
    /// <c>-EINVAL</c> when it was already signalled by hand.
    /// </summary>
    public int SignalExternal()
    {
        int seen = Interlocked.CompareExchange(ref _state, Signalled, Pending);
        if (seen == TimedOut)
        {
            return -Errno.ETIMEDOUT;
        }

        if (seen == Signalled)
        {
            return -Errno.EINVAL;
        }

        _timer.Dispose();
        Signal();
        return 0;
    }

    private void Expire()
    {
        // The CAS decides between the timer and an explicit signal: only the winner signals. vgem_fence_timeout sets
        // no error: the fence simply signals; only the producer's late VGEM_FENCE_SIGNAL learns it was too late.
        if (Interlocked.CompareExchange(ref _state, TimedOut, Pending) != Pending)
        {
            return;
        }

        Signal();
    }

    /// <summary>Stops the timer; a fence still pending is signalled (vgem signals the fences of a file it closes).</summary>
    public void Dispose()
    {
        _timer.Dispose();
        SignalExternal();
    }
}
