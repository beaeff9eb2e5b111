using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>Reader-writer lock validation and behaviour.</summary>
public sealed class RwLockTests
{
    /// <summary>Cycle of read acquisitions only: is reported: because a writer can interleave.</summary>
    [Fact]
    public void CycleOfReadAcquisitionsOnly_IsReported_BecauseAWriterCanInterleave()
    {
        var v = new LockValidator { Enabled = true };
        var x = new DriverRwLock(v.Class("X"));
        var y = new DriverRwLock(v.Class("Y"));

        TestThread.Run("xy", () =>
        {
            using (x.Read())
            using (y.Read())
            {
            }
        });
        TestThread.Run("yx", () =>
        {
            using (y.Read())
            using (x.Read())
            {
            }
        });

        Assert.Equal(["Y", "X"], Assert.Single(v.Reports).Chain);
    }

    /// <summary>Read then mutex: against mutex then read: is reported.</summary>
    [Fact]
    public void ReadThenMutex_AgainstMutexThenRead_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var rw = new DriverRwLock(v.Class("mmap_sem"));
        var m = new DriverMutex(v.Class("struct_mutex"));

        using (rw.Read())
        using (m.Acquire())
        {
        }

        using (m.Acquire())
        using (rw.Read())
        {
        }

        Assert.Equal(["struct_mutex", "mmap_sem"], Assert.Single(v.Reports).Chain);
    }

    /// <summary>Readers: share and writers exclude.</summary>
    [Fact]
    public void Readers_ShareAndWritersExclude()
    {
        var v = new LockValidator { Enabled = true };
        var rw = new DriverRwLock(v.Class("rw"));

        rw.EnterRead();
        TestThread.Run("reader", () =>
        {
            Assert.True(rw.TryEnterRead());
            Assert.False(rw.TryEnterWrite());
            rw.ExitRead();
        });
        rw.ExitRead();
        using (rw.Write())
        {
            TestThread.Run("blocked", () =>
            {
                Assert.False(rw.TryEnterRead());
                Assert.False(rw.TryEnterWrite());
            });
        }

        Assert.True(rw.TryEnterWrite());
        rw.ExitWrite();
        Assert.Empty(v.Reports);
    }
}
