using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// Priority inheritance along a timeline (__i915_request_add_to_timeline links the previous request into the new one's
/// scheduling dependencies only while it is incomplete; __i915_schedule then walks those dependencies) must reach only
/// the timeline's own predecessor. The predecessor is loaded from Timeline.Last, whose counted reference the new
/// request's own store to Timeline.Last drops: from there the builder holds nothing on it, and once its other holders
/// let go it goes back to the request slab (SLAB_TYPESAFE_BY_RCU) and may be rented as another context's request.
/// </summary>
public sealed class RecycledPredecessorBumpTests : IDisposable
{
    private readonly GtHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void APredecessorRecycledAfterTimelineLastMovedOnIsNotRaisedForTheNewRequest()
    {
        GpuContext high = _h.Client.CreateContext();
        high.Priority = 1000;
        GpuContext low = _h.Client.CreateContext();

        // The predecessor on the high context's timeline: done and retired, held by its creator and Timeline.Last only.
        Request prev = _h.Submit(new BatchBuilder().End(), context: high);
        Assert.True(prev.Wait(Bound.Long));
        Poll.Until(() => prev.References == 2, "the engine to retire the predecessor (creator + timeline.Last left)");

        // Another client's request, held on a fence so it stays queued at its own priority.
        var blocker = new DmaFence(DmaFence.ContextAlloc(), 1);
        TestBuffer lowBatch = _h.NewBuffer();
        lowBatch.Write(new BatchBuilder().End());
        Request? other = null;

        // RequestCreated runs after the new request took Timeline.Last (and so dropped prev's reference) and before
        // the priority is passed on. Meanwhile another thread lets go of prev (the creator's put, the last) and builds
        // the low context's request, which its slab magazine hands the freed object.
        _h.Gt.RequestCreated = rq =>
        {
            if (rq.Context != high || other is not null)
            {
                return;
            }

            TestThread.Run("recycler", () =>
            {
                prev.Put();
                other = _h.Submit(lowBatch, context: low, inFences: [blocker]);
            });
        };
        Request next = _h.Submit(new BatchBuilder().End(), context: high);
        _h.Gt.RequestCreated = null;

        Assert.NotNull(other);
        // The builder holds its own reference on the predecessor until the priority is passed on: the slab could not
        // hand the object to the other thread (before, it did, and the other context's request was raised).
        Assert.NotSame(prev, other);
        Assert.True(next.Wait(Bound.Long));
        // The low context's request depends on nothing of the high context: it keeps its own priority.
        Assert.True(other.Priority == low.Priority,
            $"another context's request took the new request's priority {other.Priority} through the recycled predecessor");

        blocker.Signal();
        Assert.True(other.Wait(Bound.Long));
        Assert.Equal(1, other.Status);
    }
}
