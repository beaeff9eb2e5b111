using System.Runtime.CompilerServices;
using Driver.Core.Sync;

namespace Driver.Core.Tests.Sync;

public sealed class EpochTests
{
    [Fact]
    public void ReadSectionsNestPerThread()
    {
        var epoch = new Epoch("nest");
        Assert.False(epoch.IsReadLocked);

        epoch.ReadLock();
        epoch.ReadLock();
        Assert.True(epoch.IsReadLocked);
        epoch.ReadUnlock();
        Assert.True(epoch.IsReadLocked);
        epoch.ReadUnlock();
        Assert.False(epoch.IsReadLocked);

        using (epoch.Read())
        {
            using (epoch.Read())
            {
                Assert.True(epoch.IsReadLocked);
            }

            Assert.True(epoch.IsReadLocked);
        }

        Assert.False(epoch.IsReadLocked);
    }

    [Fact]
    public void InnerUnlockDoesNotEndTheGracePeriodWait()
    {
        var epoch = new Epoch("nest-gp");
        using var innerLeft = new ManualResetEventSlim();
        using var leaveOuter = new ManualResetEventSlim();
        var reader = TestThread.Start("reader", () =>
        {
            epoch.ReadLock();
            epoch.ReadLock();
            epoch.ReadUnlock();
            innerLeft.Set();
            Assert.True(leaveOuter.Wait(Bound.Long));
            epoch.ReadUnlock();
        });

        Assert.True(innerLeft.Wait(Bound.Long));
        Assert.False(epoch.Synchronize(Bound.Short));
        leaveOuter.Set();
        Assert.True(epoch.Synchronize(Bound.Long));
        reader.Join();
    }

    [Fact]
    public void UnbalancedUnlockThrows()
    {
        var epoch = new Epoch("unbalanced");
        Assert.Throws<InvalidOperationException>(epoch.ReadUnlock);

        epoch.ReadLock();
        epoch.ReadUnlock();
        Assert.Throws<InvalidOperationException>(epoch.ReadUnlock);
        Assert.False(epoch.IsReadLocked);

        // A section of another epoch does not balance this one.
        var other = new Epoch("other");
        using (other.Read())
        {
            Assert.Throws<InvalidOperationException>(epoch.ReadUnlock);
        }
    }

    [Fact]
    public void SynchronizeInsideOwnReadSectionThrows()
    {
        var epoch = new Epoch("self");
        using (epoch.Read())
        {
            Assert.Throws<InvalidOperationException>(() => epoch.Synchronize());
            Assert.Throws<InvalidOperationException>(() => epoch.Synchronize(TimeSpan.Zero));
            Assert.True(epoch.IsReadLocked);
        }

        Assert.Equal(0, epoch.GracePeriods);
        Assert.True(epoch.Synchronize(Bound.Long));
    }

    [Fact]
    public void SynchronizeInsideAnotherEpochsSectionIsAllowed()
    {
        var a = new Epoch("a");
        var b = new Epoch("b");
        using (a.Read())
        {
            Assert.True(b.Synchronize(Bound.Long));
        }
    }

    [Fact]
    public void SynchronizeWithoutReadersReturnsPromptly()
    {
        var epoch = new Epoch("idle");

        // This thread is registered but outside any section.
        using (epoch.Read())
        {
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.True(epoch.Synchronize(Bound.Long));
        }

        epoch.Synchronize();
        // Promptly means without waiting for anyone, whatever the clock of a loaded machine says.
        Assert.Equal(0, epoch.ReaderWaits);
        Assert.Equal(11, epoch.GracePeriods);
        Assert.True(epoch.Synchronize(TimeSpan.Zero));
    }

    [Fact]
    public void NegativeTimeoutIsRejected()
    {
        var epoch = new Epoch("timeout");
        Assert.Throws<ArgumentOutOfRangeException>(() => epoch.Synchronize(TimeSpan.FromMilliseconds(-5)));
        Assert.True(epoch.Synchronize(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void BoundedSynchronizeTimesOutWhileAReaderIsInsideAndSucceedsAfterItLeaves()
    {
        var epoch = new Epoch("stuck");
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reader = TestThread.Start("reader", () =>
        {
            using (epoch.Read())
            {
                entered.Set();
                Assert.True(release.Wait(Bound.Long));
            }
        });

        Assert.True(entered.Wait(Bound.Long));
        Assert.False(epoch.Synchronize(Bound.Short));
        Assert.False(epoch.Synchronize(TimeSpan.Zero));
        Assert.Equal(0, epoch.GracePeriods);
        Assert.Equal(2, epoch.ReaderWaits);

        release.Set();
        Assert.True(epoch.Synchronize(Bound.Long));
        Assert.Equal(1, epoch.GracePeriods);
        reader.Join();
    }

    [Fact]
    public void EpochsAreIndependent()
    {
        var a = new Epoch("a");
        var b = new Epoch("b");
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reader = TestThread.Start("reader", () =>
        {
            using (a.Read())
            {
                Assert.True(a.IsReadLocked);
                Assert.False(b.IsReadLocked);
                entered.Set();
                Assert.True(release.Wait(Bound.Long));
            }
        });

        Assert.True(entered.Wait(Bound.Long));
        Assert.True(b.Synchronize(Bound.Long));
        Assert.Equal(1, b.GracePeriods);
        Assert.False(a.Synchronize(Bound.Short));

        release.Set();
        Assert.True(a.Synchronize(Bound.Long));
        reader.Join();
    }

    [Fact]
    public void ExitedThreadDoesNotBlockGracePeriods()
    {
        var epoch = new Epoch("exited");
        var reader = TestThread.Start("reader", () =>
        {
            using (epoch.Read())
            {
            }
        });
        reader.Join();

        Assert.True(epoch.Synchronize(Bound.Long));
    }

    [Fact]
    public void ThreadThatDiedInsideASectionDoesNotBlockGracePeriods()
    {
        var epoch = new Epoch("died-inside");

        // A caller bug (no matching unlock); the epoch must degrade to "dead readers read nothing", not hang.
        var reader = TestThread.Start("reader", epoch.ReadLock);
        reader.Join();
        Assert.False(reader.Thread.IsAlive);

        Assert.True(epoch.Synchronize(Bound.Long));
        Assert.True(epoch.Synchronize(Bound.Long));
    }

    [Fact]
    public void ContinuousReadersDoNotStarveTheWriter()
    {
        var epoch = new Epoch("busy");
        int stop = 0;
        long sections = 0;
        var reader = TestThread.Start("reader", () =>
        {
            // Back-to-back sections: the slot is almost never observed inactive, only in a newer epoch.
            while (Volatile.Read(ref stop) == 0)
            {
                epoch.ReadLock();
                epoch.ReadUnlock();
                sections++;
            }
        });

        try
        {
            Poll.Until(() => Volatile.Read(ref sections) > 0, "the reader's first section");
            for (int i = 0; i < 20; i++)
            {
                Assert.True(epoch.Synchronize(Bound.Long));
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            reader.Join();
        }

        Assert.Equal(20, epoch.GracePeriods);
    }

    [Fact]
    public void ConcurrentSynchronizeCallersAllComplete()
    {
        var epoch = new Epoch("concurrent");
        const int Writers = 4;
        const int PerWriter = 50;
        var writers = new TestThread[Writers];
        for (int w = 0; w < Writers; w++)
        {
            writers[w] = TestThread.Start($"writer{w}", () =>
            {
                for (int i = 0; i < PerWriter; i++)
                {
                    using (epoch.Read())
                    {
                        Thread.SpinWait(10);
                    }

                    Assert.True(epoch.Synchronize(Bound.Long));
                }
            });
        }

        foreach (TestThread writer in writers)
        {
            writer.Join();
        }

        // Callers that queued behind a grace period which started after they arrived share it.
        Assert.InRange(epoch.GracePeriods, 1, Writers * PerWriter);
    }

    [Fact]
    public void ManyEpochsOnOneThread()
    {
        var epochs = new Epoch[100];
        for (int i = 0; i < epochs.Length; i++)
        {
            epochs[i] = new Epoch($"e{i}");
            epochs[i].ReadLock();
        }

        foreach (Epoch epoch in epochs)
        {
            Assert.True(epoch.IsReadLocked);
        }

        for (int i = epochs.Length - 1; i >= 0; i--)
        {
            epochs[i].ReadUnlock();
            Assert.False(epochs[i].IsReadLocked);
        }

        Assert.True(epochs[42].Synchronize(Bound.Long));
    }

    [Fact]
    public void RecycledIdDoesNotInheritAStaleSection()
    {
        // Leave this thread inside sections of epochs that then become garbage, so their ids are recycled.
        AbandonSections(count: 16);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        for (int i = 0; i < 16; i++)
        {
            var fresh = new Epoch($"fresh{i}");
            Assert.False(fresh.IsReadLocked);
            Assert.Throws<InvalidOperationException>(fresh.ReadUnlock);
            Assert.True(fresh.Synchronize(Bound.Long));
            using (fresh.Read())
            {
                Assert.True(fresh.IsReadLocked);
            }
        }
    }

    [Fact]
    public void ReadScopeDoesNotAllocate()
    {
        var epoch = new Epoch("alloc");
        // Warm up the very shapes measured: with the validator on (the suite's default) each new held chain of the
        // epoch's lockdep map is validated once, which allocates; the steady state is one cache lookup.
        for (int i = 0; i < 100; i++)
        {
            using (epoch.Read())
            {
                epoch.ReadLock();
                epoch.ReadUnlock();
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            using (epoch.Read())
            {
                epoch.ReadLock();
                epoch.ReadUnlock();
            }
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonSections(int count)
    {
        for (int i = 0; i < count; i++)
        {
            new Epoch($"abandoned{i}").ReadLock();
        }
    }
}
