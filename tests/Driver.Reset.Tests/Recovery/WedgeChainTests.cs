using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// Wedging with a long cross-engine dependency chain: each cancelled request releases the next, whose submission meets
/// the nop handler and cancels it at once. The kernel signals from irq_work, never on the signaller's stack; here a
/// fence signalled from inside a callback has its callbacks run by the outermost signaller, so the chain unwinds
/// iteratively whatever its length.
/// </summary>
public class WedgeChainTests
{
    private const int Links = 100_000;

    [Fact]
    public void AHundredThousandLinkChainWedgedFromASmallStackEndsEveryFenceWithEio()
    {
        using var rig = new ResetRig();
        ResetRig.Spinner head = rig.Spin(EngineId.Rcs0);
        var chain = new Request[Links];
        DmaFence previous = head.Request;
        EngineId[] engines = [EngineId.Bcs0, EngineId.Vcs0, EngineId.Vecs0, EngineId.Ccs0];
        for (int i = 0; i < Links; i++)
        {
            chain[i] = rig.Nop(engines[i % engines.Length], inFences: [previous]);
            previous = chain[i];
        }

        Assert.All(chain, rq => Assert.Equal(0, rq.Status));

        // 256 KiB: a chain of 20,000 recursive signals overflowed a stack this size before the deferral.
        var wedger = TestThread.Start("small-stack-wedger", () => rig.Reset.SetWedged("test: wedge a long chain"), 256 * 1024);
        wedger.Join();

        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(-Errno.EIO, head.Request.Status);
        for (int i = 0; i < Links; i++)
        {
            Assert.True(chain[i].Wait(Bound.Long), $"link {i} never signalled");
            Assert.Equal(-Errno.EIO, chain[i].Status);
        }
    }
}
