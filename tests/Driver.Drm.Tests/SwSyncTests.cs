using System.Buffers.Binary;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Driver.Drm.SwSync;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>
/// The sw_sync timeline file (drivers/dma-buf/sw_sync.c) through its ioctls: points at a seqno as sync_files, the
/// timeline's increments signalling them in order, the release's -ENOENT and the errnos.
/// </summary>
public sealed class SwSyncTests : IDisposable
{
    private readonly SwSyncDriver _driver = new();
    private readonly FakeCaller _caller = new();
    private readonly DrmFile _timeline;

    public SwSyncTests()
    {
        _timeline = _driver.Open(_caller.Pid);
    }

    public void Dispose() => _driver.Dispose();

    private int Call(uint request, ulong argument)
    {
        int ret = _driver.Ioctl(_timeline, request, argument, _caller);
        _caller.CompleteCall(ret);
        return ret;
    }

    /// <summary>SW_SYNC_IOC_CREATE_FENCE at <paramref name="seqno"/>: the new sync_file's fence.</summary>
    private DmaFence CreateFence(uint seqno)
    {
        byte[] data = new byte[SwSyncDriver.CreateFenceSize];
        BinaryPrimitives.WriteUInt32LittleEndian(data, seqno);
        ulong at = _caller.Put(data);
        Assert.Equal(0, Call(SwSyncDriver.CreateFence, at));
        int fd = _caller.S32(at + SwSyncDriver.CreateFenceFd);
        return _caller.GetSyncFileFence(fd) ?? throw new InvalidOperationException($"fd {fd} is no sync_file");
    }

    private int Inc(uint value)
    {
        byte[] data = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        return Call(SwSyncDriver.Inc, _caller.Put(data));
    }

    [Fact]
    public void IncSignalsThePointsItReachesInOrder()
    {
        // sync_timeline_signal: value += inc, then every point with seqno <= value signals (and only those).
        DmaFence two = CreateFence(2);
        DmaFence five = CreateFence(5);
        Assert.Equal(0, Inc(1));
        Assert.False(two.IsSignaled);
        Assert.Equal(0, Inc(1));
        Assert.Equal(1, two.Status);
        Assert.False(five.IsSignaled);
        Assert.Equal(0, Inc(3));
        Assert.Equal(1, five.Status);
        Assert.True(two.SignalTimestamp <= five.SignalTimestamp);
    }

    [Fact]
    public void APointTheTimelineHasReachedIsSignalledAtCreation()
    {
        // sync_pt_create: dma_fence_is_signaled_locked (timeline_fence_signaled: seqno <= value) signals it at once.
        Assert.Equal(0, Inc(3));
        Assert.Equal(1, CreateFence(3).Status);
        Assert.Equal(1, CreateFence(0).Status);
        Assert.Equal(0, CreateFence(4).Status);
    }

    [Fact]
    public void APendingPointAtTheSameSeqnoIsTheSameFence()
    {
        // sync_pt_create: a pending point at the same value in the timeline's tree is returned again.
        DmaFence a = CreateFence(7);
        DmaFence b = CreateFence(7);
        Assert.Same(a, b);
        Assert.Equal(a.FenceContext, CreateFence(8).FenceContext); // one context per timeline
    }

    [Fact]
    public void IncPastIntMaxAdvancesInStepsAndReachesWrappedSeqnos()
    {
        // sw_sync_ioctl_inc: increments above INT_MAX go in INT_MAX steps (__dma_fence_is_later is a signed
        // 32-bit difference), so both a near point and one past 2^31 are reached.
        DmaFence near = CreateFence(10);
        DmaFence far = CreateFence(0x8000_0003);
        Assert.Equal(0, Inc(0x8000_0004));
        Assert.Equal(1, near.Status);
        Assert.Equal(1, far.Status);
    }

    [Fact]
    public void ReleaseSignalsEveryPendingPointWithEnoent()
    {
        // sw_sync_debugfs_release: dma_fence_set_error(-ENOENT) then signal, for every point still on the list.
        DmaFence done = CreateFence(1);
        DmaFence pending = CreateFence(9);
        Assert.Equal(0, Inc(1));
        _driver.Release(_timeline);
        Assert.Equal(1, done.Status);
        Assert.Equal(-Errno.ENOENT, pending.Status);
        Assert.Equal(0, _driver.OpenTimelines);
    }

    [Fact]
    public void ConcurrentIncsSignalThePointsInSeqnoOrder()
    {
        // sync_timeline_signal signals under obj->lock, so points of one timeline signal in seqno order whichever
        // SW_SYNC_IOC_INC reached them, and an INC returns with the points it reached signalled. Several threads
        // advance one timeline a step at a time; each point's callback records its seqno (and dawdles, to widen the
        // window where a later INC could overtake).
        const int Threads = 4;
        const int Steps = 200;
        var timeline = new SwSyncTimeline();
        var points = new DmaFence[(Threads * Steps) + 1];
        var order = new List<uint>();
        for (uint seqno = 1; seqno < points.Length; seqno++)
        {
            points[seqno] = timeline.CreatePoint(seqno);
            Assert.True(points[seqno].AddCallback(new ActionFenceCallback(f =>
            {
                lock (order)
                {
                    order.Add((uint)f.Seqno);
                }

                Thread.SpinWait(200);
            })));
        }

        int notSignalledOnReturn = 0;
        var workers = Enumerable.Range(0, Threads).Select(i => TestThread.Start($"inc{i}", () =>
        {
            for (int n = 0; n < Steps; n++)
            {
                uint before = timeline.Value;
                Assert.Equal(1, timeline.Advance(1));
                if (!points[before + 1].IsSignaled)
                {
                    Interlocked.Increment(ref notSignalledOnReturn);
                }
            }
        })).ToList();
        TestThread.JoinAll(workers);

        Assert.Equal(Enumerable.Range(1, Threads * Steps).Select(i => (uint)i), order);
        Assert.Equal(0, notSignalledOnReturn);
        Assert.Equal(0, timeline.Pending);
        Assert.All(points.Skip(1), p => Assert.Equal(1, p.SignalAttempts));
    }

    [Fact]
    public void UnknownCommandOrSizeIsEnotty()
    {
        // sw_sync_ioctl: switch on the whole command; anything else (another number, or a size) is -ENOTTY.
        ulong at = _caller.Alloc(64);
        Assert.Equal(-Errno.ENOTTY, Call(DrmIoctl.Encode(DrmIoctl.DirWrite, SwSyncDriver.Type, 7, 4), at));
        Assert.Equal(-Errno.ENOTTY, Call(DrmIoctl.Encode(DrmIoctl.DirWrite, SwSyncDriver.Type, 1, 8), at));
        Assert.Equal(-Errno.ENOTTY, Call(DrmIoctl.Encode(DrmIoctl.DirRead | DrmIoctl.DirWrite, SwSyncDriver.Type, 0, 36), at));
    }

    [Fact]
    public void UnreadableArgumentIsEfault()
    {
        // sw_sync_ioctl_create_fence / sw_sync_ioctl_inc: copy_from_user failing is -EFAULT, and nothing changes.
        Assert.Equal(-Errno.EFAULT, Call(SwSyncDriver.CreateFence, FakeCaller.BadAddress));
        Assert.Equal(-Errno.EFAULT, Call(SwSyncDriver.Inc, FakeCaller.BadAddress));
        Assert.Equal(0u, ((SwSyncTimeline)_timeline.State!).Value);
        Assert.Equal(0, ((SwSyncTimeline)_timeline.State!).Pending);
    }
}
