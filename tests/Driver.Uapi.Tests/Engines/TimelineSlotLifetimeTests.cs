using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Engines;

/// <summary>
/// Through the uAPI: a timeline's status-page slot (HWSP) is freed when its context is destroyed or its client closed
/// and its last request signalled (intel_timeline_put; the cacheline kept until the last request retired), never
/// earlier, and a new timeline given the slot starts from a zero breadcrumb. Before, every context leaked its slots,
/// one status page per 64 timelines: the soak's steady heap growth.
/// </summary>
public class TimelineSlotLifetimeTests
{
    [Fact]
    public void ASlotIsNotReusedWhileASpinnerOfItsDestroyedContextRunsAndIsReusedUncorruptedAfter()
    {
        // A preemptible spinner keeps running after its persistent context is destroyed (heartbeat on): its engine
        // will still write the timeline's breadcrumb, so the slot must stay out of the allocator until it signals.
        using var t = TestDevice.StarvationTolerant();
        ReserveKernelTimelines(t);
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int old));
        // A high seqno in the old slot: a reuse without zeroing would make the new owner's first requests complete.
        DmaFence? last = null;
        for (int i = 0; i < 40; i++)
        {
            last = t.Submit(new BatchBuilder().End(), EngineId.Rcs0, old);
        }

        Assert.True(last!.Wait(Bound.Long));
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Context = old, Engine = EngineId.Rcs0 });
        Assert.True(spin.WaitStarted(Bound.Long));
        Timeline oldTl = ((Request)spin.Fence).Timeline;
        Assert.Equal(0, t.Dev.DestroyContext(t.Client, old));

        // Still spinning: new timelines (on other engines, so they run) get other slots.
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
            DmaFence f = t.Submit(new BatchBuilder().End(), EngineId.Bcs0, ctx);
            Assert.True(f.Wait(Bound.Long));
            Assert.Equal(1, f.Status);
            Timeline tl = ((Request)f).Timeline;
            Assert.NotEqual(oldTl.BreadcrumbAddress, tl.BreadcrumbAddress);
            Assert.Equal(1u, tl.Breadcrumb);
            Assert.Equal(0, t.Dev.DestroyContext(t.Client, ctx));
        }

        Assert.False(spin.Fence.IsSignaled);
        Assert.False(oldTl.IsReleased);

        spin.End();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        // The put runs right after the signal, on the signalling thread.
        Poll.Until(() => oldTl.IsReleased, "the destroyed context's timeline released after its spinner signalled");

        // The most recently freed slot is handed out first: the next timeline takes the old one.
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int next));
        using var nextSpin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Context = next, Engine = EngineId.Rcs0 });
        Assert.True(nextSpin.WaitStarted(Bound.Long));
        var first = (Request)nextSpin.Fence;
        Assert.Equal(oldTl.BreadcrumbAddress, first.Timeline.BreadcrumbAddress);
        Assert.Equal(1u, first.Seqno);
        Assert.Equal(0u, first.Timeline.Breadcrumb);
        Assert.False(first.IsCompleted);
        nextSpin.End();
        Assert.True(first.Wait(Bound.Long));
        Assert.Equal(1, first.Status);
        Assert.Equal(1u, first.Timeline.Breadcrumb);
    }

    [Fact]
    public void ClosingClientsGivesTheirSlotsBackSoPagesStopGrowing()
    {
        using var t = TestDevice.Fast();
        ReserveKernelTimelines(t);
        t.AssertWorks();
        StatusPageAllocator pages = t.Dev.Gt.StatusPages;
        int baseSlots = pages.LiveSlots;
        int basePages = pages.Pages;
        BatchBuilder end = new BatchBuilder().End();
        // 40 clients x 3 contexts x 2 engines = 240 timelines: nearly 4 pages (64 slots each) if nothing were freed.
        for (int c = 0; c < 40; c++)
        {
            Assert.Equal(0, t.Dev.OpenClient(out int client));
            Assert.Equal(0, t.Dev.CreateBuffer(client, 4096, out int batch));
            Assert.Equal(0, t.Dev.Write(client, batch, 0, end.ToArray()));
            var fences = new List<DmaFence>();
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(0, t.Dev.CreateContext(client, out int ctx));
                foreach (EngineId e in (EngineId[])[EngineId.Rcs0, EngineId.Vcs0])
                {
                    Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs { Client = client, Context = ctx, Engine = (int)e, BatchHandle = batch }, out DmaFence? f));
                    fences.Add(f!);
                }
            }

            Assert.All(fences, f => Assert.True(f.Wait(Bound.Long)));
            Assert.Equal(0, t.Dev.CloseClient(client));
            Poll.Until(() => pages.LiveSlots == baseSlots, "the closed client's timeline slots freed",
                () => $"{pages.LiveSlots - baseSlots} slots still live");
        }

        Assert.True(pages.Pages <= basePages + 1, $"{pages.Pages - basePages} status pages taken for at most 7 live timelines");
    }

    /// <summary>
    /// Creates the kernel context's timelines up front, so that a heartbeat pulse never takes a slot in the middle of
    /// a test that follows which slot goes where.
    /// </summary>
    private static void ReserveKernelTimelines(TestDevice t)
    {
        foreach (EngineId e in EngineIds.All)
        {
            t.Dev.Gt.KernelClient.DefaultContext.GetTimeline(e);
        }
    }
}
