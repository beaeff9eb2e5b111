using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;

namespace Driver.Core.Tests.Contexts;

/// <summary>
/// The lifetime of a timeline's breadcrumb slot in the status page (HWSP). intel_timeline_put and hwsp_free: the
/// cacheline is freed only when the timeline is released and its last request retired, then handed out again; a new
/// owner starts from a zeroed breadcrumb.
/// </summary>
public class TimelineSlotTests
{
    private readonly StatusPageAllocator _pages = new(new DeviceMemory(64 * DeviceMemory.PageSize), new Core.Memory.Ggtt(64 * DeviceMemory.PageSize));

    private Client NewClient() => new(1, "slots", privileged: false, _pages);

    /// <summary>Builds a request as IntelGt.CreateAndSubmit does (under the timeline mutex, next seqno).</summary>
    private static Request NewRequest(Timeline tl)
    {
        using (tl.Mutex.Acquire())
        {
            var rq = new Request(tl, tl.NextSeqno(), 0, RequestFlags.None);
            tl.Last = rq;
            return rq;
        }
    }

    /// <summary>What the engine does to finish a request: breadcrumb first, then the signal.</summary>
    private static void Retire(Request rq)
    {
        rq.Timeline.WriteBreadcrumb(rq.Seqno);
        Assert.True(rq.Signal());
    }

    [Fact]
    public void AFreedSlotIsHandedOutAgainZeroed()
    {
        StatusSlot a = _pages.Allocate();
        StatusSlot b = _pages.Allocate();
        Assert.NotEqual(a.GgttAddress, b.GgttAddress);
        Assert.Equal(StatusPageAllocator.SlotDwords * 4u, b.GgttAddress - a.GgttAddress);
        a.Page.WriteDword(a.Index, 1234);
        _pages.Free(a);
        Assert.Equal(1, _pages.LiveSlots);

        StatusSlot again = _pages.Allocate();
        Assert.Equal(a.GgttAddress, again.GgttAddress);
        Assert.Equal(0u, again.Page.ReadDword(again.Index));
        Assert.Equal(1, _pages.Pages);
    }

    [Fact]
    public void AClosedContextsIdleTimelineFreesItsSlotAndTheNextTimelineReusesIt()
    {
        // intel_timeline_put: the last reference of an idle timeline frees its cacheline (hwsp_free).
        Client client = NewClient();
        GpuContext ctx = client.CreateContext();
        Timeline tl = ctx.GetTimeline(EngineId.Rcs0);
        Retire(NewRequest(tl));
        Assert.Equal(1, _pages.LiveSlots);

        Assert.True(ctx.Close());

        Assert.True(tl.IsReleased);
        Assert.Equal(0, _pages.LiveSlots);
        Timeline next = client.CreateContext().GetTimeline(EngineId.Rcs0);
        Assert.Equal(tl.BreadcrumbAddress, next.BreadcrumbAddress);
        Assert.Equal(0u, next.Breadcrumb);
    }

    [Fact]
    public void APendingRequestKeepsTheSlotOfItsClosedTimelineUntilItSignals()
    {
        // The HWSP cacheline outlives the timeline until its last request retired: the engine may still write it.
        Client client = NewClient();
        GpuContext ctx = client.CreateContext();
        Timeline tl = ctx.GetTimeline(EngineId.Rcs0);
        Request done = NewRequest(tl);
        Request pending = NewRequest(tl);
        Retire(done);
        ctx.Close();

        Assert.False(tl.IsReleased);
        Timeline other = client.CreateContext().GetTimeline(EngineId.Rcs0);
        Assert.NotEqual(tl.BreadcrumbAddress, other.BreadcrumbAddress);

        Retire(pending);

        Assert.True(tl.IsReleased);
        Assert.Equal(1, _pages.LiveSlots);
        Assert.Equal(tl.BreadcrumbAddress, client.CreateContext().GetTimeline(EngineId.Rcs0).BreadcrumbAddress);
    }

    [Fact]
    public void AnEarlierRequestStillOnTheEngineKeepsTheSlotWhenTheLastOneWasCancelled()
    {
        // A later request completed on the CPU ahead of an earlier one still running (a cancel that skips ahead):
        // the earlier one writes its breadcrumb later, so its reference holds the slot.
        Client client = NewClient();
        GpuContext ctx = client.CreateContext();
        Timeline tl = ctx.GetTimeline(EngineId.Rcs0);
        Request running = NewRequest(tl);
        Request queued = NewRequest(tl);
        ctx.Close();
        queued.MarkCompleteOnCpu();
        Assert.True(queued.Signal());

        Assert.False(tl.IsReleased);

        Retire(running);
        Assert.True(tl.IsReleased);
    }

    [Fact]
    public void TheNewOwnerOfASlotDoesNotSeeTheOldTimelinesSeqno()
    {
        Client client = NewClient();
        GpuContext old = client.CreateContext();
        Timeline tl = old.GetTimeline(EngineId.Rcs0);
        for (int i = 0; i < 50; i++)
        {
            Retire(NewRequest(tl));
        }

        Assert.Equal(50u, tl.Breadcrumb);
        old.Close();

        Timeline reused = client.CreateContext().GetTimeline(EngineId.Rcs0);
        Assert.Equal(tl.BreadcrumbAddress, reused.BreadcrumbAddress);
        Request first = NewRequest(reused);
        Assert.Equal(1u, first.Seqno);
        Assert.False(first.IsCompleted);
        Assert.Equal(0u, reused.Breadcrumb);
        Retire(first);
        Assert.True(first.IsCompleted);
        Assert.Equal(1u, reused.Breadcrumb);
    }

    [Fact]
    public void NoRequestIsBuiltOnAReleasedTimeline()
    {
        Client client = NewClient();
        GpuContext ctx = client.CreateContext();
        Timeline tl = ctx.GetTimeline(EngineId.Rcs0);
        ctx.Close();

        DriverException e = Assert.Throws<DriverException>(() => NewRequest(tl));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Equal(0, _pages.LiveSlots);
    }

    [Fact]
    public void ATimelineCreatedAfterItsContextClosedIsReleasedAtOnce()
    {
        // A lookup that raced with the close (execbuf against CONTEXT_DESTROY) must not leave a slot nobody frees.
        GpuContext ctx = NewClient().CreateContext();
        ctx.Close();

        Timeline late = ctx.GetTimeline(EngineId.Bcs0);

        Assert.True(late.IsReleased);
        Assert.Equal(0, _pages.LiveSlots);
    }

    [Fact]
    public void ClosingTwiceDropsTheContextsReferenceOnce()
    {
        GpuContext ctx = NewClient().CreateContext();
        Timeline tl = ctx.GetTimeline(EngineId.Rcs0);
        Request pending = NewRequest(tl);
        Assert.True(ctx.Close());
        Assert.False(ctx.Close());
        tl.Close();

        Assert.False(tl.IsReleased);
        Retire(pending);
        Assert.True(tl.IsReleased);
    }

    [Fact]
    public void ChurningContextsKeepsOnePage()
    {
        Client client = NewClient();
        for (int i = 0; i < 1000; i++)
        {
            GpuContext ctx = client.CreateContext();
            foreach (EngineId e in EngineIds.All)
            {
                Retire(NewRequest(ctx.GetTimeline(e)));
            }

            ctx.Close();
            client.RemoveContext(ctx.Id);
        }

        Assert.Equal(1, _pages.Pages);
        Assert.Equal(0, _pages.LiveSlots);
    }
}
