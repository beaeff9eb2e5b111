using System.Diagnostics;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Gt;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Order on a timeline when a request is released by another thread (its in-fence signalled there) just as its
/// successor is submitted: the successor must not overtake it, or its breadcrumb makes the earlier request look
/// complete and the earlier one is signalled as successful without having run. Found by the invariant stress test
/// ("status 1 but the slot holds 0"); this reproduces it in most runs of a few hundred iterations.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class TimelineOrderTests
{
    private const int Iterations = 1000;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void RequestReleasedOnAnotherThreadIsNotOvertakenByItsSuccessor(WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var target = new TargetBuffer(dev, c, Iterations * 2 * 4);
        var stores = new StoreBatches(dev, c, Iterations * 2);
        var submitted = new List<(DmaFence Fence, int Slot)>();
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Iterations && clock.Elapsed < s_duration; n++)
        {
            var external = new DmaFence();
            DmaFence held = stores.Store(0, EngineId.Bcs0, target.Slot(2 * n), (uint)(2 * n + 1), [external]);
            // A fresh thread releases the held request (and submits it, from its fence callback) while this thread
            // submits the next request of the same timeline.
            var releaser = TestThread.Start("releaser", () => external.Signal());
            DmaFence next = stores.Store(0, EngineId.Bcs0, target.Slot(2 * n + 1), (uint)(2 * n + 2));
            submitted.Add((held, 2 * n));
            submitted.Add((next, 2 * n + 1));
            releaser.Join();
        }

        foreach ((DmaFence? fence, int slot) in submitted)
        {
            AssertStatus(1, fence, $"request {slot}");
            Assert.True(target[slot] == (uint)(slot + 1), $"request {slot} signalled success but its store never ran");
        }
    }
}
