using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Locking;
using Driver.Core.Resv;

namespace Driver.Core.Tests.Resv;

/// <summary>Reservation objects (drivers/dma-buf/dma-resv.c): usage filtering, replacement, test_signaled, wait_timeout.</summary>
public sealed class DmaResvTests
{
    /// <summary>dma_resv_iter with a usage returns that usage and every one before it (KERNEL &lt; WRITE &lt; READ &lt; BOOKKEEP).</summary>
    [Fact]
    public void IterationByUsage_ReturnsThatUsageAndEveryEarlierOne()
    {
        var resv = new DmaResv();
        DmaFence kernel = NewFence(), write = NewFence(), read = NewFence(), book = NewFence();
        AddLocked(resv, (kernel, DmaResvUsage.Kernel), (write, DmaResvUsage.Write), (read, DmaResvUsage.Read), (book, DmaResvUsage.Bookkeep));

        Assert.Equal([kernel], Fences(resv, DmaResvUsage.Kernel));
        Assert.Equal([kernel, write], Fences(resv, DmaResvUsage.Write));
        Assert.Equal([kernel, write, read], Fences(resv, DmaResvUsage.Read));
        Assert.Equal([kernel, write, read, book], Fences(resv, DmaResvUsage.Bookkeep));
        // dma_resv_usage_rw: a writer waits for READ and before, a reader for WRITE and before.
        Assert.Equal(DmaResvUsage.Read, DmaResv.UsageRw(write: true));
        Assert.Equal(DmaResvUsage.Write, DmaResv.UsageRw(write: false));
    }

    /// <summary>dma_resv_add_fence: a later fence of the same context replaces the old one, unless the old one's usage is weaker-waited (WRITE stays under a READ).</summary>
    [Fact]
    public void AddFence_ReplacesTheSameContext_OnlyWithAtLeastTheSameUsage()
    {
        var resv = new DmaResv();
        ulong context = DmaFence.ContextAlloc();
        var first = new DmaFence(context, 1);
        var second = new DmaFence(context, 2);
        var third = new DmaFence(context, 3);
        var other = new DmaFence(DmaFence.ContextAlloc(), 1);

        AddLocked(resv, (first, DmaResvUsage.Read), (second, DmaResvUsage.Read), (other, DmaResvUsage.Read));
        Assert.Equal([second, other], Fences(resv, DmaResvUsage.Bookkeep));

        // A READ fence of the context does not replace its WRITE fence: the write would be forgotten.
        var resv2 = new DmaResv();
        AddLocked(resv2, (first, DmaResvUsage.Write), (second, DmaResvUsage.Read), (third, DmaResvUsage.Write));
        Assert.Equal(2, resv2.Count);
        Assert.Equal([third], Fences(resv2, DmaResvUsage.Write));
        Assert.Equal([third, second], Fences(resv2, DmaResvUsage.Read));
    }

    /// <summary>A signalled fence's slot is reused by any new fence; fences without a context (0) are never siblings.</summary>
    [Fact]
    public void AddFence_ReusesASignalledSlot_AndNeverMergesContextZero()
    {
        var resv = new DmaResv();
        var a = new DmaFence();
        var b = new DmaFence();
        AddLocked(resv, (a, DmaResvUsage.Read), (b, DmaResvUsage.Read));
        Assert.Equal(2, resv.Count);

        a.Signal();
        var c = new DmaFence();
        AddLocked(resv, (c, DmaResvUsage.Write));
        Assert.Equal(2, resv.Count);
        Assert.Equal([c, b], Fences(resv, DmaResvUsage.Read));
    }

    /// <summary>dma_resv_test_signaled looks only at the usage asked for and before.</summary>
    [Fact]
    public void TestSignaled_FiltersByUsage()
    {
        var resv = new DmaResv();
        DmaFence write = NewFence(), read = NewFence(), book = NewFence();
        AddLocked(resv, (write, DmaResvUsage.Write), (read, DmaResvUsage.Read), (book, DmaResvUsage.Bookkeep));

        Assert.True(resv.TestSignaled(DmaResvUsage.Kernel));
        Assert.False(resv.TestSignaled(DmaResvUsage.Write));
        write.Signal();
        Assert.True(resv.TestSignaled(DmaResvUsage.Write));
        Assert.False(resv.TestSignaled(DmaResvUsage.Read));
        read.Signal();
        Assert.True(resv.TestSignaled(DmaResvUsage.Read));
        Assert.False(resv.TestSignaled(DmaResvUsage.Bookkeep));
        book.Signal();
        Assert.True(resv.TestSignaled(DmaResvUsage.Bookkeep));
        Assert.Empty(resv.GetFences(DmaResvUsage.Bookkeep));
    }

    /// <summary>
    /// dma_resv_wait_timeout: 0 when the time runs out, the time left (&gt; 0) once everything signalled, 1 for a
    /// zero timeout that finds it idle, -EINTR (-ERESTARTSYS) when interrupted; BOOKKEEP is not waited for at READ.
    /// </summary>
    [Fact]
    public void WaitTimeout_TimesOut_Completes_AndIsInterruptible()
    {
        var resv = new DmaResv();
        DmaFence write = NewFence(), book = NewFence();
        AddLocked(resv, (write, DmaResvUsage.Write), (book, DmaResvUsage.Bookkeep));

        Assert.Equal(0, resv.WaitTimeout(DmaResvUsage.Read, 0));
        Assert.Equal(0, resv.WaitTimeout(DmaResvUsage.Read, 1_000_000));
        using (var cancel = new CancellationTokenSource())
        {
            cancel.Cancel();
            Assert.Equal(-Errno.EINTR, resv.WaitTimeout(DmaResvUsage.Read, -1, cancel.Token));
        }

        var signaller = TestThread.Start("signaller", () => write.Signal());
        long left = resv.WaitTimeout(DmaResvUsage.Read, Bound.LongNs);
        signaller.Join();
        Assert.InRange(left, 1, Bound.LongNs);
        Assert.Equal(1, resv.WaitTimeout(DmaResvUsage.Read, 0));
        Assert.Equal(long.MaxValue, resv.WaitTimeout(DmaResvUsage.Read, -1));
        Assert.Equal(0, resv.WaitTimeout(DmaResvUsage.Bookkeep, 0));
        book.Signal();
    }

    /// <summary>An interruptible wait that is blocked ends with -EINTR when its token fires.</summary>
    [Fact]
    public void WaitTimeout_BlockedWait_IsInterrupted()
    {
        var resv = new DmaResv();
        DmaFence write = NewFence();
        AddLocked(resv, (write, DmaResvUsage.Write));
        using var cancel = new CancellationTokenSource();
        long result = 0;
        var waiter = TestThread.Start("waiter", () => result = resv.WaitTimeout(DmaResvUsage.Write, -1, cancel.Token));
        Poll.Until(() => (waiter.Thread.ThreadState & ThreadState.WaitSleepJoin) != 0 || !waiter.Thread.IsAlive, "the waiter never blocked");
        cancel.Cancel();
        waiter.Join();
        Assert.Equal(-Errno.EINTR, result);
        write.Signal();
    }

    /// <summary>dma_resv_add_fence needs the lock and a slot reserved in this locked section (dma_resv_reset_max_fences at unlock).</summary>
    [Fact]
    public void AddFence_NeedsTheLockAndAReservedSlot()
    {
        var resv = new DmaResv();
        Assert.Throws<DebugAssertException>(() => resv.AddFence(NewFence(), DmaResvUsage.Read));

        Assert.Equal(0, resv.LockResv(null));
        Assert.Equal(0, resv.ReserveFences(1));
        resv.AddFence(NewFence(), DmaResvUsage.Read);
        Assert.Throws<DebugAssertException>(() => resv.AddFence(NewFence(), DmaResvUsage.Read));
        resv.Unlock();

        Assert.Equal(0, resv.LockResv(null));
        Assert.Throws<DebugAssertException>(() => resv.AddFence(NewFence(), DmaResvUsage.Read));
        resv.Unlock();
        Assert.Equal(1, resv.Count);
    }

    /// <summary>Every reservation shares reservation_ww_class, which is wound-wait like the kernel's DEFINE_WW_CLASS.</summary>
    [Fact]
    public void ReservationsShareOneWoundWaitClass()
    {
        var a = new DmaResv();
        var b = new DmaResv();
        Assert.Same(a.Lock.Class, b.Lock.Class);
        Assert.False(DmaResv.Class.IsWaitDie);
        Assert.Equal("reservation_ww_class_mutex", DmaResv.Class.MutexClass.Name);
    }

    private static DmaFence NewFence() => new(DmaFence.ContextAlloc(), 1);

    private static DmaFence[] Fences(DmaResv resv, DmaResvUsage usage) => resv.Fences(usage).Select(e => e.Fence).ToArray();

    private static void AddLocked(DmaResv resv, params (DmaFence Fence, DmaResvUsage Usage)[] fences)
    {
        using var ctx = new WwAcquireContext(DmaResv.Class);
        Assert.Equal(0, resv.LockResv(ctx));
        foreach ((DmaFence fence, DmaResvUsage usage) in fences)
        {
            Assert.Equal(0, resv.ReserveFences(1));
            resv.AddFence(fence, usage);
        }

        resv.Unlock();
    }
}
