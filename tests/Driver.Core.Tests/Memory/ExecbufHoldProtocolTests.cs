using Driver.Core.Memory;

namespace Driver.Core.Tests.Memory;

/// <summary>
/// The execbuf hold on an object (eb_lookup_vmas' reference, put by eb_release_vmas) against the release of its last
/// handle: exactly one side runs the release — the close when no execbuf holds it, else the last hold to go.
/// </summary>
public class ExecbufHoldProtocolTests
{
    private static BufferObject NewObject() =>
        new(new DeviceMemory(4 * DeviceMemory.PageSize), DeviceMemory.PageSize, BoFlags.None);

    [Fact]
    public void WithoutAHold_TheCloseReleasesAtOnce()
    {
        BufferObject bo = NewObject();
        Assert.False(bo.DeferReleaseIfHeld());
    }

    [Fact]
    public void WithHolds_TheReleaseWaitsForTheLastOne()
    {
        BufferObject bo = NewObject();
        bo.HoldForExecbuf();
        bo.HoldForExecbuf();
        Assert.True(bo.DeferReleaseIfHeld());
        Assert.False(bo.DropExecbufHold());
        Assert.True(bo.DropExecbufHold());
        // Taken once: a later hold and drop release nothing again.
        bo.HoldForExecbuf();
        Assert.False(bo.DropExecbufHold());
    }

    [Fact]
    public void AHoldDroppedWithNoCloseReleasesNothing()
    {
        BufferObject bo = NewObject();
        bo.HoldForExecbuf();
        Assert.False(bo.DropExecbufHold());
        Assert.False(bo.DeferReleaseIfHeld());
    }

    [Fact]
    public void CloseRacingTheLastDrop_ReleasesExactlyOnce()
    {
        // Both orders, many times, from two threads: the close's and the drop's answers never both say "release"
        // and never both say "not mine".
        for (int i = 0; i < 2000; i++)
        {
            BufferObject bo = NewObject();
            bo.HoldForExecbuf();
            using var start = new Barrier(2);
            bool dropReleases = false;
            var dropper = TestThread.Start("dropper", () =>
            {
                start.SignalAndWait();
                dropReleases = bo.DropExecbufHold();
            });
            start.SignalAndWait();
            bool closeReleases = !bo.DeferReleaseIfHeld();
            dropper.Join();
            Assert.True(closeReleases ^ dropReleases, $"round {i}: close releases {closeReleases}, drop releases {dropReleases}");
        }
    }
}
