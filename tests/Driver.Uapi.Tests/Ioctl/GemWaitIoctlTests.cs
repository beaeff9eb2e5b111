using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>GEM_WAIT (i915_gem_wait_ioctl) and the sync_file wait (poll) rules, one test per rule.</summary>
public class GemWaitIoctlTests
{
    [Fact]
    public void NonZeroFlagsAreEinvalBeforeTheHandleIsLookedUp()
    {
        // i915_gem_wait_ioctl: "if (args->flags != 0) return -EINVAL" comes before the object lookup.
        using var t = TestDevice.Fast();
        long timeout = 1000;
        Assert.Equal(-Errno.EINVAL, t.Dev.Wait(t.Client, 555, ref timeout, 1));
        Assert.Equal(-Errno.EINVAL, t.Dev.Wait(t.Client, 555, ref timeout, 0x8000_0000));
        Assert.Equal(1000, timeout);
    }

    [Fact]
    public void UnknownHandleIsEnoent()
    {
        // i915_gem_wait_ioctl: i915_gem_object_lookup failing is -ENOENT.
        using var t = TestDevice.Fast();
        long timeout = 0;
        Assert.Equal(-Errno.ENOENT, t.Dev.Wait(t.Client, 555, ref timeout));
    }

    [Fact]
    public async Task NegativeTimeoutWaitsForAsLongAsItTakes()
    {
        // i915_gem_wait_ioctl / to_wait_timeout: timeout_ns < 0 is MAX_SCHEDULE_TIMEOUT, and nothing is written back.
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.SetTimeout(TimeSpan.FromMilliseconds(50));
        long timeout = -1;
        Task<int> wait = Task.Run(() => t.Dev.Wait(t.Client, spin.Handle, ref timeout));
        Assert.Equal(0, await wait.WaitAsync(Bound.Long));
        Assert.Equal(-1, timeout);
        Assert.Equal(1, spin.Fence.Status);
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, long.MinValue));
    }

    [Fact]
    public void ZeroTimeoutPollsEtimeWhenBusyAndIsNotWrittenBack()
    {
        // i915_gem_wait_ioctl: timeout 0 polls (-ETIME while busy); only a positive timeout is written back.
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        long timeout = 0;
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, spin.Handle, ref timeout));
        Assert.Equal(0, timeout);
        spin.End();
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, Bound.LongNs));
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, ref timeout));
    }

    [Fact]
    public void TimedOutWaitWritesBackZeroAndIsEtimeNotEagain()
    {
        // i915_gem_wait_ioctl: time spent is subtracted; a timed-out wait with under a jiffy left reports 0 left
        // and -ETIME (-EAGAIN only for a wait that ended early with time left).
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        long timeout = 20_000_000;
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, spin.Handle, ref timeout));
        Assert.Equal(0, timeout);
        Assert.Equal(0, spin.Fence.Status);
    }

    [Fact]
    public void IdleWaitWritesBackTheTimeLeft()
    {
        // i915_gem_wait_ioctl: for timeout_ns > 0 the time left is written back; an idle object takes (almost) none.
        using var t = TestDevice.Fast();
        TestBuffer idle = t.NewBuffer();
        long timeout = Bound.LongNs;
        Assert.Equal(0, t.Dev.Wait(t.Client, idle.Handle, ref timeout));
        Assert.InRange(timeout, 1, Bound.LongNs);
    }

    [Fact]
    public void CompletedWaitWritesBackLessThanItWasGiven()
    {
        // i915_gem_wait_ioctl: args->timeout_ns -= time spent waiting.
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.SetTimeout(TimeSpan.FromMilliseconds(30));
        long timeout = Bound.LongNs;
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, ref timeout));
        Assert.InRange(timeout, 1, Bound.LongNs - 1);
    }

    [Fact]
    public void WaitOnAFailedBatchIsZero()
    {
        // i915_gem_object_wait returns the wait's outcome, never the fence's error.
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().Emit(0xDEAD_BEEF));
        DmaFence f = t.Submit(batch);
        long timeout = -1;
        Assert.Equal(0, t.Dev.Wait(t.Client, batch.Handle, ref timeout));
        Assert.Equal(-Errno.EIO, f.Status);
    }

    [Fact]
    public void WaitWorksWhileWedged()
    {
        // i915_gem_wait_ioctl has no wedged check: the cancelled work signals, so the wait returns 0.
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        t.Dev.Wedge();
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, Bound.LongNs));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
    }

    [Fact]
    public async Task SyncFileWaitWithNegativeTimeoutWaitsForever()
    {
        // sync_file poll(2): a negative timeout waits until the fence signals; 0 polls.
        var f = new DmaFence();
        Assert.Equal(-Errno.ETIME, GpuDevice.WaitFence(f, 0));
        Task<int> wait = Task.Run(() => GpuDevice.WaitFence(f, -1));
        Assert.False(wait.IsCompleted);
        f.Signal();
        Assert.Equal(0, await wait.WaitAsync(Bound.Long));
        Assert.Equal(0, GpuDevice.WaitFence(null, -5));
    }
}
