using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Drm.I915;

/// <summary>
/// The ring of one user context on one engine (intel_ring), as far as execbuf's throttle sees it: i915 gives a user
/// context's intel_context a 16 KiB ring (intel_context_set_gem: SZ_16K) and each request emits its commands into it
/// (init breadcrumb, flushes, MI_BATCH_BUFFER_START, fini breadcrumb: <see cref="RequestBytes"/> here); the space
/// comes back when the request retires (ring->head = rq->postfix). eb_throttle blocks an execbuf while less than a
/// page is free, until a request that leaves more than half the ring free has completed, interruptibly.
/// </summary>
public sealed class IntelRing
{
    /// <summary>intel_context_set_gem: ce->ring_size = SZ_16K for every engine GpuSim has (no compute class).</summary>
    public const int Size = 16 * 1024;

    /// <summary>
    /// What one execbuf's request takes of the ring on gen12: about 48 dwords (init breadcrumb 6, invalidate flush
    /// and bb start 6 each around the batch, the fini breadcrumb with its PIPE_CONTROL, the wa tail), so a ring holds
    /// some 60 requests before execbuf waits.
    /// </summary>
    public const int RequestBytes = 192;

    /// <summary>__intel_ring_space keeps a cacheline free so that head never meets tail.</summary>
    public const int CachelineBytes = 64;

    /// <summary>eb_throttle: an execbuf waits while less than PAGE_SIZE is free.</summary>
    public const int MinimumSpace = 4096;

    private readonly Queue<(DmaFence Request, long Postfix)> _requests = new();
    private readonly Lock _lock = new();
    private long _emit;
    private long _head;

    /// <summary>Bytes free now (intel_ring_update_space, after retiring what has completed).</summary>
    public int Space
    {
        get
        {
            lock (_lock)
            {
                Retire();
                return FreeAfter(_head);
            }
        }
    }

    /// <summary>Requests still holding ring space.</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                Retire();
                return _requests.Count;
            }
        }
    }

    /// <summary>
    /// eb_throttle: null when at least <see cref="MinimumSpace"/> is free; else the oldest request whose retirement
    /// leaves more than half the ring free, which the execbuf waits for.
    /// </summary>
    public DmaFence? Throttle()
    {
        lock (_lock)
        {
            Retire();
            if (FreeAfter(_head) >= MinimumSpace)
            {
                return null;
            }

            foreach ((DmaFence rq, long postfix) in _requests)
            {
                if (FreeAfter(postfix) > Size / 2)
                {
                    return rq;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// eb_pin_timeline: waits for the throttle's request, interruptibly (i915_request_wait with
    /// I915_WAIT_INTERRUPTIBLE); 0 once there is room, -EINTR when <paramref name="signalPending"/> fires first.
    /// </summary>
    public int WaitForSpace(CancellationToken signalPending)
    {
        while (Throttle() is { } rq)
        {
            if (signalPending.IsCancellationRequested)
            {
                return -Errno.EINTR;
            }

            try
            {
                // The request is the fence: it signals once, at completion or cancellation by a reset, so this ends.
                rq.WaitAsync(Timeout.InfiniteTimeSpan, signalPending).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return -Errno.EINTR; // eb_pin_timeline answers -EINTR itself, whatever SA_RESTART says
            }
        }

        return 0;
    }

    /// <summary>A request emitted into the ring (i915_request_add): it holds its bytes until it completes.</summary>
    public void Add(DmaFence request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            _emit += RequestBytes;
            _requests.Enqueue((request, _emit));
        }
    }

    // i915_request_retire, in order: the head moves to the postfix of each completed request.
    private void Retire()
    {
        while (_requests.TryPeek(out (DmaFence Request, long Postfix) oldest) && oldest.Request.IsSignaled)
        {
            _head = oldest.Postfix;
            _requests.Dequeue();
        }
    }

    // __intel_ring_space(head, emit, size): the bytes free when head is at the given position.
    private int FreeAfter(long head) => Size - (int)(_emit - head) - CachelineBytes;
}
