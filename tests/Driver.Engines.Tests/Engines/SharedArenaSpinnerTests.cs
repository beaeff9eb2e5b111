using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// Issue 19: a client process maps the device's memfd arena and ends a spinner with a CPU store through its own
/// mapping (igt_spin_end writes MI_BATCH_BUFFER_END into the loop through a GEM mmap); the engine polling the batch
/// through the GGTT sees it. And a GPU store is seen through that mapping.
/// </summary>
public sealed class SharedArenaSpinnerTests
{
    [Fact]
    public void StoreThroughASecondMappingEndsASpinner()
    {
        using var h = new GtHarness();
        if (h.Gt.Memory.ArenaFd < 0)
        {
            return; // not Linux: no memfd (SharedArenaTests.ArenaIsAMemfdOnLinux checks it is only off Linux)
        }

        using var client = new SharedMapping(h.Gt.Memory.ArenaFd, h.Gt.Memory.ArenaSize);
        TestBuffer batch = h.NewBuffer();
        TestBuffer poll = h.NewBuffer();
        const int Loop = 3; // dword index of the loop head: after the 3-dword store
        batch.Write(new BatchBuilder()
            .StoreDword(poll.At(0), 1)
            .Noop()
            .ArbCheck()
            .Jump(batch.At(Loop)));
        Request rq = h.Submit(batch, EngineId.Rcs0);

        long pollAt = poll.Object.ArenaRuns()[0].ArenaOffset;
        Poll.Until(() => client.Read(pollAt) == 1, "the spinner's started store, seen through the client mapping", () => $"poll={client.Read(pollAt)}", Bound.Long);
        Assert.False(rq.Wait(TimeSpan.FromMilliseconds(20)));

        long loopAt = batch.Object.ArenaRuns()[0].ArenaOffset + Loop * 4;
        client.Write(loopAt, Mi.BatchBufferEnd);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(1, rq.Status);
        Assert.Equal(Mi.BatchBufferEnd, batch[Loop]);
    }
}
