using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// A request whose construction fails after it was taken from the slab (its seqno allocated, some dependencies
/// registered) is still added, skipped with -EIO, as i915's eb_request_add adds a request whatever the error: it
/// signals, and the timeline goes on behind it.
/// </summary>
public sealed class CreateFailureTests
{
    [Fact]
    public void ARequestWhoseBuildThrows_SignalsEio_AndTheNextOnItsTimelineRuns()
    {
        using var h = new GtHarness();
        TestBuffer nop = h.NewBuffer();
        nop.Write(new BatchBuilder().End());
        TestBuffer target = h.NewBuffer();
        TestBuffer store = h.NewBuffer();
        store.Write(new BatchBuilder().StoreDword(target.At(0), 0xBAD).End());
        Request? built = null;
        h.Gt.RequestCreated = rq =>
        {
            built = rq;
            rq.Get(); // the test's own reference: the creator's is put by the failed build
            throw new InvalidOperationException("build failed");
        };

        Assert.Throws<InvalidOperationException>(() => h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, store.Address));
        h.Gt.RequestCreated = null;

        Assert.NotNull(built);
        Assert.True(built.Wait(Bound.Long), "the request whose build failed never signalled");
        Assert.Equal(-Errno.EIO, built.Status);
        // Skipped: its payload never ran.
        Assert.Equal(0u, target[0]);

        Request next = h.Gt.CreateAndSubmit(h.Context, EngineId.Rcs0, nop.Address);
        Assert.True(next.Wait(Bound.Long));
        Assert.Equal(1, next.Status);
        next.Put();
        built.Put();
    }
}
