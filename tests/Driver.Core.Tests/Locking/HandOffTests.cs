using System.Collections.Concurrent;
using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>Lock hand-off between threads: no false reports, real exclusion while in transit, ticket misuse.</summary>
public sealed class HandOffTests
{
    /// <summary>Lock on one thread: unlock on another: reports nothing.</summary>
    [Fact]
    public void LockOnOneThread_UnlockOnAnother_ReportsNothing()
    {
        var v = new LockValidator { Enabled = true };
        var m = new DriverMutex(v.Class("ring->hand_off"));
        var after = new DriverMutex(v.Class("after"));
        using var tickets = new BlockingCollection<HandOffTicket>();

        var producer = TestThread.Start("producer", () =>
        {
            for (int i = 0; i < 20; i++)
            {
                tickets.Add(m.LockForHandOff());
                // The producer no longer holds it: later locks depend on nothing, and it may exit cleanly.
                Assert.False(m.IsHeldByCurrentThread);
                using (after.Acquire())
                {
                }
            }

            tickets.CompleteAdding();
            v.ThreadExit();
        });
        var consumer = TestThread.Start("consumer", () =>
        {
            foreach (HandOffTicket ticket in tickets.GetConsumingEnumerable())
            {
                Assert.True(m.IsHandedOff);
                m.UnlockHandedOff(ticket);
            }

            v.ThreadExit();
        });
        producer.Join();
        consumer.Join();

        // after → m is consistent with nothing recorded from m: no report either way.
        using (after.Acquire())
        using (m.Acquire())
        {
        }

        Assert.Empty(v.Reports);
        Assert.False(m.IsHandedOff);
    }

    /// <summary>Handed off mutex: stays locked until released.</summary>
    [Fact]
    public void HandedOffMutex_StaysLockedUntilReleased()
    {
        var v = new LockValidator { Enabled = true };
        var m = new DriverMutex(v.Class("m"));
        HandOffTicket ticket = m.LockForHandOff();
        using var acquired = new ManualResetEventSlim();

        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.False(m.TryLock());
            using (m.Acquire())
            {
                acquired.Set();
            }
        });
        Assert.False(acquired.Wait(Bound.Short));

        TestThread.Run("releaser", () => m.UnlockHandedOff(ticket));

        Assert.True(acquired.Wait(Bound.Long));
        waiter.Join();
        Assert.Empty(v.Reports);
    }

    /// <summary>Hand off: ordering is validated on the taking thread.</summary>
    [Fact]
    public void HandOff_OrderingIsValidatedOnTheTakingThread()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));

        using (a.Acquire())
        using (b.Acquire())
        {
        }

        HandOffTicket ticket;
        using (b.Acquire())
        {
            ticket = a.LockForHandOff(); // B → A against A → B
        }

        a.UnlockHandedOff(ticket);
        Assert.Equal(["B", "A"], Assert.Single(v.Reports).Chain);
    }

    /// <summary>Releasing twice or with a foreign ticket: is a bad unlock.</summary>
    [Fact]
    public void ReleasingTwiceOrWithAForeignTicket_IsABadUnlock()
    {
        var v = new LockValidator { Enabled = true };
        var m = new DriverMutex(v.Class("m"));
        var other = new DriverMutex(v.Class("other"));
        HandOffTicket ticket = m.LockForHandOff();
        HandOffTicket otherTicket = other.LockForHandOff();

        Assert.Throws<SynchronizationLockException>(() => m.UnlockHandedOff(otherTicket));
        m.UnlockHandedOff(ticket);
        Assert.Throws<SynchronizationLockException>(() => m.UnlockHandedOff(ticket));
        Assert.Throws<SynchronizationLockException>(() => other.UnlockHandedOff(default));
        other.UnlockHandedOff(otherTicket);

        Assert.Equal(["m", "other"], v.Reports.Select(r => Assert.Single(r.Chain)));
        Assert.All(v.Reports, r => Assert.Equal(LockdepReportKind.BadUnlockBalance, r.Kind));
    }

    /// <summary>Hand off: works with validation off.</summary>
    [Fact]
    public void HandOff_WorksWithValidationOff()
    {
        var v = new LockValidator();
        var m = new DriverMutex(v.Class("m"));

        HandOffTicket ticket = m.LockForHandOff();
        TestThread.Run("releaser", () => m.UnlockHandedOff(ticket));
        Assert.True(m.TryLock());
        m.Unlock();

        Assert.Empty(v.Reports);
    }
}
