using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Userptr;

namespace Driver.Core.Tests.Userptr;

/// <summary>
/// The mmu-interval-notifier sequence protocol of mm/mmu_notifier.c on the simulated CPU mm: read_begin / read_retry
/// / set_seq, the odd sequence while an invalidation runs, and the pages a process owns.
/// </summary>
public sealed class MmuIntervalNotifierTests
{
    private const long Page = 4096;

    /// <summary>Records each callback and stores the sequence under the driver lock, as a driver must.</summary>
    private sealed class Recorder(DriverRwLock driverLock, Action<MmuNotifierRange>? during = null) : IMmuIntervalNotifierOps
    {
        public List<(MmuNotifierRange Range, long Seq)> Calls { get; } = new();

        public bool Invalidate(MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq)
        {
            using (driverLock.Write())
            {
                sub.SetSeq(curSeq);
            }

            lock (Calls)
            {
                Calls.Add((range, curSeq));
            }

            during?.Invoke(range);
            return true;
        }
    }

    /// <summary>mmu_interval_read_retry is false with nothing in between, true after an invalidation of the range.</summary>
    [Fact]
    public void ReadRetry_IsTrueOnlyAfterAnInvalidationOfTheRange()
    {
        var mm = new CpuMm();
        var driverLock = new DriverRwLock("test notifier_lock");
        long a = mm.Mmap(2);
        long b = mm.Mmap(1);
        var rec = new Recorder(driverLock);
        MmuIntervalNotifier sub = mm.InsertNotifier(a, 2 * Page, rec, driverLock);

        long seq = sub.ReadBegin();
        Assert.False(sub.ReadRetry(seq));
        mm.Migrate(b, Page); // another range: no callback, no retry
        Assert.False(sub.ReadRetry(seq));
        Assert.Empty(rec.Calls);

        mm.Migrate(a + Page, Page);
        Assert.True(sub.ReadRetry(seq));
        (MmuNotifierRange range, long cur) = Assert.Single(rec.Calls);
        Assert.Equal(MmuNotifierEvent.Migrate, range.Event);
        Assert.Equal(1, cur & 1); // odd: the invalidation was running
        long again = sub.ReadBegin();
        Assert.Equal(cur, again);
        Assert.False(sub.ReadRetry(again));
        Assert.Equal(1, mm.Invalidations);
    }

    /// <summary>
    /// mmu_interval_read_begin waits while an invalidation of the range runs (mn_itree_inv_end wakes it), so the
    /// pages it lets a build read are the new ones.
    /// </summary>
    [Fact]
    public void ReadBegin_WaitsForARunningInvalidation()
    {
        var mm = new CpuMm();
        var driverLock = new DriverRwLock("test notifier_lock");
        long a = mm.Mmap(1);
        Assert.True(mm.TryWrite(a, 42));
        using var inCallback = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var rec = new Recorder(driverLock, _ =>
        {
            inCallback.Set();
            Assert.True(release.Wait(Bound.Long));
        });
        MmuIntervalNotifier sub = mm.InsertNotifier(a, Page, rec, driverLock);
        var cpu = TestThread.Start("cpu-mm migrate", () => mm.Migrate(a, Page));
        Assert.True(inCallback.Wait(Bound.Long));

        long seq = 0;
        var reader = TestThread.Start("read_begin", () => seq = sub.ReadBegin());
        Assert.False(reader.TryJoin(TimeSpan.FromMilliseconds(50))); // blocked: cannot end while the callback waits
        release.Set();
        cpu.Join(Bound.Long);
        reader.Join(Bound.Long);
        Assert.False(sub.ReadRetry(seq));
        Assert.Equal(0, mm.GetUserPages(a, 1, out PageList? pages));
        Assert.Equal(42u, pages![0].ReadDword(0)); // migrated: same contents
    }

    /// <summary>munmap removes the pages: CPU access faults and pin_user_pages is -EFAULT.</summary>
    [Fact]
    public void Munmap_LeavesNoPages()
    {
        var mm = new CpuMm();
        long a = mm.Mmap(2);
        mm.Munmap(a + Page, Page);
        Assert.Equal(-Errno.EFAULT, mm.GetUserPages(a, 2, out PageList? pages));
        Assert.Null(pages);
        Assert.True(mm.TryWrite(a, 1));
        Assert.False(mm.TryWrite(a + Page, 1));
        Assert.False(mm.TryRead(a + Page, out _));
        Assert.False(mm.IsMapped(a, 2 * Page));
    }

    /// <summary>
    /// mmu_interval_set_seq must run under the driver lock that the build's read_retry takes: the notifier knows the
    /// lock (the 2019 thread's lockdep_assert_held suggestion) and asserts it.
    /// </summary>
    [Fact]
    public void SetSeq_WithoutTheDriverLock_Asserts()
    {
        ThrowingAssertListener.Install();
        var mm = new CpuMm();
        var driverLock = new DriverRwLock("test notifier_lock");
        long a = mm.Mmap(1);
        MmuIntervalNotifier sub = mm.InsertNotifier(a, Page, new Recorder(driverLock), driverLock);
        Assert.Throws<DebugAssertException>(() => sub.SetSeq(3));
    }

    /// <summary>mmu_interval_notifier_remove: no callback after it.</summary>
    [Fact]
    public void RemovedNotifier_GetsNoCallback()
    {
        var mm = new CpuMm();
        var driverLock = new DriverRwLock("test notifier_lock");
        long a = mm.Mmap(1);
        var rec = new Recorder(driverLock);
        MmuIntervalNotifier sub = mm.InsertNotifier(a, Page, rec, driverLock);
        mm.RemoveNotifier(sub);
        Assert.True(sub.IsRemoved);
        mm.Munmap(a, Page);
        Assert.Empty(rec.Calls);
        Assert.Equal(0, mm.Invalidations);
    }
}
