using System.Collections.Concurrent;

namespace Driver.Drm.Server;

/// <summary>
/// One client thread's reply channel: the requests it makes (on its DRM fds or on the channel itself) run here, one
/// at a time as the thread makes them, on the channel's own worker, so one thread's blocking ioctl never holds up
/// another's.
/// </summary>
internal sealed class ReplyChannel(int fd, ulong token, int pid) : IDisposable
{
    private readonly BlockingCollection<(ShimRequest Request, FileConnection? File)> _work = new();
    private readonly Lock _signalLock = new();
    private ulong _interrupted;
    private ulong _running;
    private bool _dead;
    private CancellationTokenSource? _signal;

    /// <summary>The server's end of the channel socket.</summary>
    public int Fd { get; } = fd;

    /// <summary>Its token, which the client puts in each request.</summary>
    public ulong Token { get; } = token;

    /// <summary>The process that connected it (SO_PEERCRED): every request it answers is that process's.</summary>
    public int Pid { get; } = pid;

    /// <summary>Queues a request; false when the channel has closed (the request is dropped).</summary>
    public bool Post(ShimRequest request, FileConnection? file)
    {
        try
        {
            return _work.TryAdd((request, file));
        }
        catch (InvalidOperationException)
        {
            return false; // completed: the client thread is gone
        }
    }

    /// <summary>
    /// The worker starts request <paramref name="seq"/>: its signal_pending, already set when an INTERRUPT for it came
    /// first (the interrupt travels on the channel, the request on the DRM fd: either may arrive first).
    /// </summary>
    public CancellationToken Begin(ulong seq)
    {
        lock (_signalLock)
        {
            _running = seq;
            _signal = new CancellationTokenSource();
            if (_dead || (seq != 0 && seq <= _interrupted))
            {
                _signal.Cancel();
            }

            return _signal.Token;
        }
    }

    /// <summary>The worker finished its request: a later INTERRUPT for it is stale.</summary>
    public void End()
    {
        lock (_signalLock)
        {
            _running = 0;
            _signal?.Dispose();
            _signal = null;
        }
    }

    /// <summary>
    /// A signal interrupted the client thread while it waited for request <paramref name="seq"/> (its handler has no
    /// SA_RESTART): the request's interruptible waits end (-EINTR), now or when it reaches one. The thread's requests
    /// are numbered upwards, so an interrupt for a request already answered touches none after it.
    /// </summary>
    public void Interrupt(ulong seq)
    {
        // Under the lock: End must not dispose the source while it is cancelled. Cancel runs the waits' wake-ups,
        // which take no lock of the channel.
        lock (_signalLock)
        {
            _interrupted = Math.Max(_interrupted, seq);
            if (_running == seq)
            {
                _signal?.Cancel();
            }
        }
    }

    /// <summary>
    /// The client thread is gone (its channel reached EOF): it died, and a SIGKILL sends no INTERRUPT, but in the
    /// kernel the fatal signal ends every interruptible wait of the dying task (fatal_signal_pending), so the ioctl
    /// returns and the file's last reference can go. Here the request running now and every one still queued end
    /// their interruptible waits at once.
    /// </summary>
    public void Die()
    {
        // Under the lock, as Interrupt: End must not dispose the source while it is cancelled.
        lock (_signalLock)
        {
            _dead = true;
            _signal?.Cancel();
        }
    }

    /// <summary>No more requests: the worker drains what is queued and stops.</summary>
    public void Complete() => _work.CompleteAdding();

    /// <summary>The queued requests, as the worker takes them.</summary>
    public IEnumerable<(ShimRequest Request, FileConnection? File)> Take() => _work.GetConsumingEnumerable();

    /// <inheritdoc/>
    public void Dispose()
    {
        _work.Dispose();
        _signal?.Dispose();
    }
}
