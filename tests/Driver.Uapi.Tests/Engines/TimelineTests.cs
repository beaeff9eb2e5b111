using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Engines;

/// <summary>Per-context engine timelines: seqnos by one, in-order completion, monotonic breadcrumbs, independence.</summary>
public class TimelineTests
{
    [Fact]
    public void SeqnosIncreaseByOnePerRequestOnATimeline()
    {
        using var t = TestDevice.WithoutHeartbeat();
        BatchBuilder end = new BatchBuilder().End();
        var rcs = Enumerable.Range(0, 5).Select(_ => t.Submit(end)).ToList();
        var bcs = Enumerable.Range(0, 3).Select(_ => t.Submit(end, EngineId.Bcs0)).ToList();
        Assert.Equal([1u, 2u, 3u, 4u, 5u], rcs.Select(f => f.Seqno));
        Assert.Equal([1u, 2u, 3u], bcs.Select(f => f.Seqno));
        Assert.Single(rcs.Select(f => f.FenceContext).Distinct());
        Assert.NotEqual(rcs[0].FenceContext, bcs[0].FenceContext);
        foreach (DmaFence? f in rcs.Concat(bcs)) { Assert.True(f.Wait(Bound.Long)); Assert.Equal(1, f.Status); }
        Timeline tl = ((Request)rcs[0]).Timeline;
        Assert.Equal(5u, tl.Seqno);
        Assert.Equal(5u, tl.Breadcrumb);
    }

    [Fact]
    public void RequestsOnATimelineCompleteInOrderWithMonotonicBreadcrumbs()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer sem = t.NewBuffer();
        TestBuffer target = t.NewBuffer();
        // The head request holds the engine on a semaphore so every later request is queued before any completes.
        DmaFence head = t.Submit(new BatchBuilder().SemaphoreWait(sem.At(0), CompareOp.Equal, 1).End(), EngineId.Vcs0);
        var rec = new SignalRecorder();
        rec.Watch(head);
        var rest = Enumerable.Range(0, 20).Select(i =>
            t.Submit(new BatchBuilder().Work((uint)(i % 3) * 20_000).StoreDword(target.At(i), (uint)i + 1).End(), EngineId.Vcs0)).ToList();
        foreach (DmaFence? f in rest)
        {
            rec.Watch(f);
        }

        Assert.All(rest, f => Assert.False(f.IsSignaled));

        sem[0] = 1;
        Assert.True(rest[^1].Wait(Bound.Long));
        IReadOnlyList<(uint Seqno, uint Breadcrumb, int Status)> log = rec.Await(21);
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (uint)i), log.Select(e => e.Seqno));
        for (int i = 0; i < log.Count; i++)
        {
            Assert.Equal(1, log[i].Status);
            Assert.True(log[i].Breadcrumb >= log[i].Seqno, $"seqno {log[i].Seqno} signalled with breadcrumb {log[i].Breadcrumb}");
            if (i > 0)
            {
                Assert.True(log[i].Breadcrumb >= log[i - 1].Breadcrumb, "breadcrumb went backwards");
            }
        }
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal((uint)i + 1, target[i]);
        }
    }

    [Fact]
    public void GatedTimelineReleasesInOrder()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var gate = new DmaFence();
        var rec = new SignalRecorder();
        DmaFence first = t.Submit(new BatchBuilder().StoreDword(target.At(0), 1).End(), EngineId.Bcs0, 0, [gate]);
        var later = Enumerable.Range(1, 9).Select(i => t.Submit(new BatchBuilder().StoreDword(target.At(i), (uint)i + 1).End(), EngineId.Bcs0)).ToList();
        rec.Watch(first);
        foreach (DmaFence? f in later)
        {
            rec.Watch(f);
        }
        // Held behind the gate: nothing submitted, nothing stored.
        Assert.False(((Request)first).IsSubmitted);
        Assert.All(later, f => Assert.False(((Request)f).IsSubmitted));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(0u, target[i]));

        gate.Signal();
        Assert.True(later[^1].Wait(Bound.Long));
        IReadOnlyList<(uint Seqno, uint Breadcrumb, int Status)> log = rec.Await(10);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (uint)i), log.Select(e => e.Seqno));
        Assert.All(log, e => Assert.Equal(1, e.Status));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal((uint)i + 1, target[i]));
    }

    [Fact]
    public void ContextsOnOneEngineHaveIndependentTimelines()
    {
        using var t = TestDevice.WithoutHeartbeat();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int a));
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int b));
        TestBuffer target = t.NewBuffer();
        var gate = new DmaFence();
        // Context a is held on a gate; context b on the same engine is not held behind it.
        DmaFence fa = t.Submit(new BatchBuilder().StoreDword(target.At(0), 1).End(), EngineId.Rcs0, a, [gate]);
        DmaFence fb1 = t.Submit(new BatchBuilder().StoreDword(target.At(1), 2).End(), EngineId.Rcs0, b);
        DmaFence fb2 = t.Submit(new BatchBuilder().StoreDword(target.At(2), 3).End(), EngineId.Rcs0, b);
        Assert.Equal(1u, fa.Seqno);
        Assert.Equal([1u, 2u], new[] { fb1.Seqno, fb2.Seqno });
        Assert.NotEqual(fa.FenceContext, fb1.FenceContext);
        Assert.True(fb2.Wait(Bound.Long));
        Assert.Equal(1, fb1.Status);
        Assert.Equal(1, fb2.Status);
        Assert.Equal(3u, target[2]);
        Assert.False(fa.IsSignaled);
        Assert.Equal(0u, target[0]);

        gate.Signal();
        Assert.True(fa.Wait(Bound.Long));
        Assert.Equal(1, fa.Status);
        Assert.Equal(1u, target[0]);
    }
}
