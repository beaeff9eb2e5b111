using Driver.Core.Contexts;
using Driver.Core.Memory;
using Driver.Core.Requests;

namespace Driver.Core.Tests.Requests;

/// <summary>
/// The request slab's per-thread magazines (SLUB's per-CPU freelists in front of the shared slab): a request freed on
/// one thread (the engine's, at retire) still reaches a renting thread (the submitter's) through the shared stack, and
/// a thread that turns to another pool gives the first one back what it kept.
/// </summary>
public class RequestPoolMagazineTests
{
    private readonly StatusPageAllocator _pages = new(new DeviceMemory(64 * DeviceMemory.PageSize), new Driver.Core.Memory.Ggtt(64 * DeviceMemory.PageSize));
    private readonly Timeline _tl;

    private static readonly Action<Request> s_noSubmit = static _ => { };

    public RequestPoolMagazineTests()
    {
        var client = new Client(1, "magazine", privileged: false, _pages);
        _tl = client.CreateContext().GetTimeline(Hw.EngineId.Rcs0);
    }

    private Request Rent(RequestPool pool)
    {
        using (_tl.Mutex.Acquire())
        {
            Request rq = pool.Rent(_tl, _tl.NextSeqno(), 0, RequestFlags.None);
            rq.Commit(s_noSubmit);
            return rq;
        }
    }

    /// <summary>The engine's part and the creator's put: breadcrumb, signal, retire, put — the last reference goes.</summary>
    private static void CompleteAndPut(Request rq)
    {
        rq.Timeline.WriteBreadcrumb(rq.Seqno);
        Assert.True(rq.Signal());
        rq.Retire();
        rq.Put();
    }

    /// <summary>Runs <paramref name="body"/> on a thread of its own (bounded join).</summary>
    private static void OnOtherThread(Action body)
    {
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { failure = e; }
        });
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(30)), "the other thread did not finish");
        Assert.Null(failure);
    }

    [Fact]
    public void RequestsFreedOnTheEngineThreadAreRecycledByTheSubmitter_ThroughTheSharedStack()
    {
        var pool = new RequestPool();
        Request[] first = Enumerable.Range(0, 200).Select(_ => Rent(pool)).ToArray();
        Assert.Equal(200L, pool.Allocated);

        // The "engine" frees all of them: it keeps at most a magazine, the rest goes to the shared stack.
        OnOtherThread(() =>
        {
            foreach (Request rq in first)
            {
                CompleteAndPut(rq);
            }
        });
        Assert.InRange(pool.Available, 200 - RequestPool.MagazineSize, 200);

        // The submitter's rents refill its own magazine from that stack: nothing new is built.
        for (int i = 0; i < 150; i++)
        {
            Request rq = Rent(pool);
            Assert.False(rq.IsSignaled);
            CompleteAndPut(rq);
        }

        Assert.Equal(200L, pool.Allocated);
        Assert.Equal(150L, pool.Recycled);
    }

    [Fact]
    public void AThreadTurningToAnotherPoolGivesTheFirstOneItsRequestsBack()
    {
        var a = new RequestPool();
        var b = new RequestPool();
        Request[] ofA = Enumerable.Range(0, 10).Select(_ => Rent(a)).ToArray();
        Request ofB = Rent(b);
        OnOtherThread(() =>
        {
            foreach (Request rq in ofA)
            {
                CompleteAndPut(rq);
            }

            // Kept in this thread's magazine, not yet on a's stack.
            Assert.Equal(0, a.Available);
            CompleteAndPut(ofB);
            Assert.Equal(10, a.Available);
        });

        for (int i = 0; i < 10; i++)
        {
            Assert.Contains(Rent(a), ofA);
        }

        Assert.Equal(10L, a.Recycled);
    }
}
