using System.Collections.Concurrent;

namespace Driver.Drm.Server;

/// <summary>
/// One client thread's reply channel: the requests it makes (on its DRM fds or on the channel itself) run here, one
/// at a time as the thread makes them, on the channel's own worker, so one thread's blocking ioctl never holds up
/// another's.
/// </summary>
internal sealed class ReplyChannel(int fd, ulong token) : IDisposable
{
    private readonly BlockingCollection<(ShimRequest Request, FileConnection? File)> _work = new();

    /// <summary>The server's end of the channel socket.</summary>
    public int Fd { get; } = fd;

    /// <summary>Its token, which the client puts in each request.</summary>
    public ulong Token { get; } = token;

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

    /// <summary>No more requests: the worker drains what is queued and stops.</summary>
    public void Complete() => _work.CompleteAdding();

    /// <summary>The queued requests, as the worker takes them.</summary>
    public IEnumerable<(ShimRequest Request, FileConnection? File)> Take() => _work.GetConsumingEnumerable();

    /// <inheritdoc/>
    public void Dispose() => _work.Dispose();
}
