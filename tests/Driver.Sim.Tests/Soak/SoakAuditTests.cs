using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Sim.Soak;

namespace Driver.Sim.Tests.Soak;

/// <summary>
/// The soak's invariant checker itself: each way a fence can break "signals exactly once, error before signal" must
/// be a violation, or a soak that never sees one proves nothing.
/// </summary>
public sealed class SoakAuditTests
{
    [Fact]
    public void AFenceSignalledTwiceIsAViolation()
    {
        // dma_fence_signal on a signalled fence is refused (-EINVAL in the kernel) and runs no callback: the
        // SoakFence's callback count stays 1, so only the fence's attempt count can show the double completion.
        var audit = new SoakAudit();
        var fence = new DmaFence();
        var watched = new SoakFence(fence, "batch 0", audit);
        Assert.True(fence.Signal());
        Assert.False(fence.Signal());

        Assert.Equal(1, audit.CheckFence(watched));
        Assert.Equal(1, audit.Violations);
        Assert.Contains("signalled 2 times", audit.Samples.Single());
    }

    [Fact]
    public void AFenceThatNeverSignalsIsAViolation()
    {
        var audit = new SoakAudit();
        var watched = new SoakFence(new DmaFence(), "batch 1", audit);

        Assert.Equal(0, audit.CheckFence(watched));
        Assert.Equal(1, audit.Unsignaled);
        Assert.Contains("never signalled", audit.Samples.Single());
    }

    [Fact]
    public void AFenceSignalledOnceWithItsErrorSetFirstIsClean()
    {
        var audit = new SoakAudit();
        var fence = new DmaFence();
        var watched = new SoakFence(fence, "batch 2", audit);
        Assert.True(fence.SetError(-Errno.EIO));
        Assert.True(fence.Signal());

        Assert.Equal(-Errno.EIO, audit.CheckFence(watched));
        Assert.Equal(0, audit.Violations);
        Assert.Equal(1, audit.Statuses["EIO"]);
    }
}
