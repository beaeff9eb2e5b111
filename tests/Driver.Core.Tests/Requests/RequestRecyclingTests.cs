using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Core.Requests;

namespace Driver.Core.Tests.Requests;

/// <summary>
/// The request slab (i915's slab_requests, SLAB_TYPESAFE_BY_RCU): a request whose every counted reference was put
/// goes back to its <see cref="RequestPool"/> and is recycled as a later request. Whoever still holds a counted
/// reference keeps its own request (seqno, error, status) however much is recycled around it; a reader holding none
/// tells a recycled object from its request by the generation (i915_request_get_rcu's re-check). Driven inline here,
/// as the engine would: rent under the timeline mutex, commit, breadcrumb, signal, retire, put.
/// </summary>
public class RequestRecyclingTests
{
    private readonly StatusPageAllocator _pages = new(new DeviceMemory(64 * DeviceMemory.PageSize), new Driver.Core.Memory.Ggtt(64 * DeviceMemory.PageSize));
    private readonly RequestPool _pool = new(capacity: 64);
    private readonly Timeline _tl;

    /// <summary>Submission does nothing: the test is the engine.</summary>
    private static readonly Action<Request> s_noSubmit = static _ => { };

    public RequestRecyclingTests()
    {
        var client = new Client(1, "slab", privileged: false, _pages);
        _tl = client.CreateContext().GetTimeline(Hw.EngineId.Rcs0);
    }

    /// <summary>__i915_request_create from the slab, under the timeline mutex, as IntelGt.CreateAndSubmit does.</summary>
    private Request Rent()
    {
        using (_tl.Mutex.Acquire())
        {
            Request rq = _pool.Rent(_tl, _tl.NextSeqno(), 0, RequestFlags.None);
            rq.Commit(s_noSubmit);
            return rq;
        }
    }

    /// <summary>What the engine does: breadcrumb, signal (error first if any), then retire (its in-flight put).</summary>
    private static void Execute(Request rq, int error = 0)
    {
        if (error != 0)
        {
            Assert.True(rq.SetError(error));
        }

        rq.Timeline.WriteBreadcrumb(rq.Seqno);
        Assert.True(rq.Signal());
        rq.Retire();
    }

    [Fact]
    public void AFreedRequestIsRecycledAsTheNextOneAndStartsPending()
    {
        Request first = Rent();
        Execute(first);
        int generation = first.Generation;
        first.Put(); // creator's reference: the last one

        Request second = Rent();
        Assert.Same(first, second);
        Assert.Equal(generation + 1, second.Generation);
        Assert.False(second.IsSignaled);
        Assert.Equal(0, second.Status);
        Assert.Equal(0, second.SignalAttempts);
        Assert.Equal(0L, second.SignalTimestamp);
        Assert.Equal(_tl.Seqno, second.Seqno);
        Assert.Equal(2, second.References);
        Assert.Equal(1L, _pool.Recycled);
    }

    [Fact]
    public void AHolderOfACountedReferenceKeepsItsOwnSignalledRequestAcrossRecycling()
    {
        // i915_request_get: a reference keeps the request out of the slab; its error and signal stay its own.
        Request held = Rent();
        Execute(held, -Errno.EIO);
        held.Get();
        held.Put(); // the creator lets go; the holder's reference remains
        uint seqno = held.Seqno;
        int generation = held.Generation;
        long signalledAt = held.SignalTimestamp;

        for (int i = 0; i < 1000; i++)
        {
            Request rq = Rent();
            Assert.NotSame(held, rq);
            Execute(rq);
            rq.Put();
        }

        Assert.True(_pool.Recycled > 900, $"only {_pool.Recycled} of 1000 requests were recycled");
        Assert.Equal(seqno, held.Seqno);
        Assert.Equal(generation, held.Generation);
        Assert.Equal(-Errno.EIO, held.Status);
        Assert.Equal(signalledAt, held.SignalTimestamp);
        Assert.Equal(1, held.SignalAttempts);
        held.Put();
    }

    [Fact]
    public void AReaderWithoutAReferenceSeesTheGenerationChangeOfARecycledRequest()
    {
        // SLAB_TYPESAFE_BY_RCU: the object stays a request, but maybe another one; the reader re-checks after taking
        // a reference (i915_request_get_rcu, then compare).
        Request rq = Rent();
        int seen = rq.Generation;
        Assert.True(rq.TryGet(seen));
        rq.Put();
        Execute(rq);
        rq.Put();

        Assert.False(rq.TryGet(), "a freed request must refuse new references (kref_get_unless_zero)");
        Request again = Rent();
        Assert.Same(rq, again);
        Assert.False(again.TryGet(seen), "the recycled object is not the request the reader saw");
        Assert.Equal(2, again.References); // the failed re-check left nothing held
        Assert.True(again.TryGet(again.Generation));
        again.Put();
    }

    [Fact]
    public void EveryIncarnationSignalsExactlyOnceWithItsErrorBeforeTheSignal()
    {
        for (int i = 0; i < 200; i++)
        {
            Request rq = Rent();
            int error = i % 3 == 0 ? -Errno.EIO : 0;
            Execute(rq, error);
            Assert.False(rq.Signal());
            Assert.False(rq.SetError(-Errno.EAGAIN)); // refused after the signal
            Assert.Equal(2, rq.SignalAttempts);
            Assert.Equal(error == 0 ? 1 : error, rq.Status);
            rq.Put();
        }
    }

    [Fact]
    public void ARequestNotRetiredByItsEngineIsNeverRecycled()
    {
        // A request completed on the CPU (cancelled, wedged) keeps the engine's in-flight reference: the CPU
        // completer may still hold it, so it must not come back as another request.
        Request cancelled = Rent();
        cancelled.SetErrorOnce(-Errno.EIO);
        cancelled.MarkCompleteOnCpu();
        Assert.True(cancelled.Signal());
        cancelled.Put();

        Request next = Rent();
        Assert.NotSame(cancelled, next);
        Assert.Equal(1, cancelled.References);
        Assert.Equal(-Errno.EIO, cancelled.Status);
    }

    [Fact]
    public void TheTimelinesLastHoldsAReferenceAndGetLastReChecksIt()
    {
        // dma_fence_get_rcu_safe: a reference, then the pointer re-read.
        Request rq;
        using (_tl.Mutex.Acquire())
        {
            rq = _pool.Rent(_tl, _tl.NextSeqno(), 0, RequestFlags.None);
            _tl.Last = rq;
            rq.Commit(s_noSubmit);
        }

        Assert.Equal(3, rq.References);
        Assert.True(_tl.IsLastPending);
        Execute(rq);
        rq.Put();
        Assert.False(_tl.IsLastPending);
        Request? last = _tl.GetLast();
        Assert.Same(rq, last);
        last!.Put();
        Assert.NotSame(rq, Rent()); // still pinned by the timeline

        using (_tl.Mutex.Acquire())
        {
            _tl.Last = null; // the last reference: freed
        }

        Assert.Null(_tl.GetLast());
        Assert.Same(rq, Rent());
    }

    [Fact]
    public void TheSteadyStateRentSignalRetirePutPathAllocatesNothing()
    {
        // The submit → signal → retire path on one thread, after the slab warmed up: not one byte per request.
        // GetAllocatedBytesForCurrentThread counts this thread's allocation contexts, so other tests running in
        // parallel do not disturb it.
        const int N = 100_000;
        for (int i = 0; i < 1000; i++)
        {
            Request rq = Rent();
            Execute(rq);
            rq.Put();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < N; i++)
        {
            Request rq;
            using (_tl.Mutex.Acquire())
            {
                rq = _pool.Rent(_tl, _tl.NextSeqno(), 0, RequestFlags.None);
                rq.Commit(s_noSubmit);
            }

            rq.Timeline.WriteBreadcrumb(rq.Seqno);
            rq.Signal();
            rq.Retire();
            rq.Put();
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(bytes < N, $"{bytes} B allocated over {N} recycled requests ({bytes / (double)N:F2} B/request)");
        Assert.Equal(1L, _pool.Allocated);
    }

    [Fact]
    public void FreeingTheHeadOfALongAwaitChainDoesNotRecurseOncePerLink()
    {
        // Each request lists the one before it in its InFences, whose reference it puts when it is freed. i915 drops a
        // request's dependencies at retire (i915_sched_node_fini), and dma_fence_chain_release unlinks a chain by hand
        // "to avoid recursion and potential stack overflow": freeing the newest request of a long chain must not nest
        // one Put/Free per link on the stack of whoever puts it.
        const int Links = 20_000;
        Request? prev = null;
        Request first = null!;
        for (int i = 0; i < Links; i++)
        {
            Request rq;
            using (_tl.Mutex.Acquire())
            {
                rq = _pool.Rent(_tl, _tl.NextSeqno(), 0, RequestFlags.None);
                if (prev is not null)
                {
                    rq.Await(prev);
                }

                rq.Commit(s_noSubmit);
            }

            Execute(rq);
            // The creator lets go: the previous request is now held only by this one's InFences.
            prev?.Put();
            first ??= rq;
            prev = rq;
        }

        Request head = prev!;
        Assert.Equal(1, first.References);
        TestThread.Start("small-stack-put", head.Put, 256 * 1024).Join();

        Assert.Equal(0, head.References);
        Assert.Equal(0, first.References);
    }
}
