using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>GEM_WAIT and GEM_BUSY on objects used by running and finished batches.</summary>
public class WaitBusyTests
{
    [Fact]
    public void WaitTimesOutOnABusyObjectThenSucceedsOnceIdle()
    {
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        Assert.Equal(0, t.Dev.Busy(t.Client, spin.Handle, out bool busy));
        Assert.True(busy);
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, spin.Handle, 0));
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, spin.Handle, 1_000_000));
        // A timed-out wait is not an error on the work.
        Assert.Equal(0, spin.Fence.Status);

        spin.End();
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, Bound.LongNs));
        Assert.Equal(0, t.Dev.Busy(t.Client, spin.Handle, out busy));
        Assert.False(busy);
        Assert.Equal(0, t.Dev.Wait(t.Client, spin.Handle, 0));
        Assert.Equal(1, spin.Fence.Status);
    }

    [Fact]
    public void ObjectsUsedByABatchAreBusyUntilItCompletes()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer data = t.NewBuffer();
        TestBuffer unused = t.NewBuffer();
        var gate = new DmaFence();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().StoreDword(data.At(1), 2).End());
        DmaFence held = t.Submit(batch, EngineId.Rcs0, 0, [gate], data);
        Assert.Equal(0, t.Dev.Busy(t.Client, data.Handle, out bool busy));
        Assert.True(busy);
        Assert.Equal(0, t.Dev.Busy(t.Client, batch.Handle, out busy));
        Assert.True(busy);
        Assert.Equal(0, t.Dev.Busy(t.Client, unused.Handle, out busy));
        Assert.False(busy);
        Assert.Equal(0, t.Dev.Wait(t.Client, unused.Handle, 0));
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, data.Handle, 0));

        gate.Signal();
        Assert.True(held.Wait(Bound.Long));
        Assert.Equal(0, t.Dev.Busy(t.Client, data.Handle, out busy));
        Assert.False(busy);
        Assert.Equal(0, t.Dev.Wait(t.Client, data.Handle, 0));
        Assert.Equal(2u, data[1]);
    }

    [Fact]
    public void WaitOnAFailedBatchSucceeds()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().Emit(0xDEAD_BEEF));
        DmaFence f = t.Submit(batch);
        Assert.Equal(0, t.Dev.Wait(t.Client, batch.Handle, Bound.LongNs));
        Assert.Equal(-Errno.EIO, f.Status);
    }

    [Fact]
    public async Task VeryLongWaitIsNotAnImmediateTimeout()
    {
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.SetTimeout(TimeSpan.FromMilliseconds(50));
        // long.MaxValue ns is "wait as long as it takes"; run it on the side so a broken wait cannot hang the test.
        Task<int> wait = Task.Run(() => t.Dev.Wait(t.Client, spin.Handle, long.MaxValue));
        Assert.Equal(0, await wait.WaitAsync(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
    }

    [Fact]
    public void WaitFenceReportsSignalledPendingAndNull()
    {
        var f = new DmaFence();
        Assert.Equal(0, GpuDevice.WaitFence(null, 0));
        Assert.Equal(-Errno.ETIME, GpuDevice.WaitFence(f, 0));
        Assert.Equal(-Errno.ETIME, GpuDevice.WaitFence(f, 1000));
        f.SetError(-Errno.EIO);
        f.Signal();
        Assert.Equal(0, GpuDevice.WaitFence(f, 0));
        Assert.Equal(0, GpuDevice.WaitFence(f, 1000));
    }
}
