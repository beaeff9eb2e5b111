using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Smoke;

/// <summary>
/// The device driven through its uAPI end to end: objects, a batch, execbuf, fences, hang recovery, wedging. Also the
/// README's example of driving the device from code (outside tests: <c>new GpuDevice(DeviceConfig.Fast())</c>).
/// </summary>
public class SmokeTests
{
    [Fact]
    public void StoreDwordLandsAndFenceSignals()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.OpenClient(out int c));
        Assert.Equal(0, dev.CreateBuffer(c, 4096, out int target));
        Assert.Equal(0, dev.Bind(c, target, out uint addr));
        Assert.Equal(0, dev.CreateBuffer(c, 4096, out int batch));
        BatchBuilder b = new BatchBuilder().StoreDword(addr + 8, 0xcafe).End();
        Assert.Equal(0, dev.Write(c, batch, 0, b.ToArray()));
        Assert.Equal(0, dev.Execbuf(new ExecbufArgs { Client = c, Engine = (int)EngineId.Bcs0, BatchHandle = batch, Objects = [target] }, out DmaFence? f));
        Assert.True(f!.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        dev.Map(c, target, out BufferMapping? m);
        Assert.Equal(0xcafeu, m![2]);
    }

    [Fact]
    public void NonPreemptibleSpinnerIsGuiltyAndQueuedWorkCompletes()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        var spin = Spinner.Start(dev, c, new SpinnerOptions { NoPreemption = true });
        Assert.True(spin.WaitStarted(Bound.Long));
        dev.CreateBuffer(c, 4096, out int batch);
        dev.Write(c, batch, 0, new BatchBuilder().End().ToArray());
        dev.Execbuf(new ExecbufArgs { Client = c, Engine = 0, BatchHandle = batch }, out DmaFence? behind);
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
        Assert.True(behind!.Wait(Bound.Long));
        Assert.Equal(1, behind.Status);
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(0, dev.Reset.ResetCount);
    }

    [Fact]
    public void PreemptibleSpinnerSurvivesHeartbeatsAndEnds()
    {
        // Starvation tolerant: with Fast's 10 ms preempt timeout, an engine thread descheduled that long on a loaded
        // machine would be reset although the spinner yields at every arbitration point.
        using var t = TestDevice.StarvationTolerant();
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        var spin = Spinner.Start(dev, c);
        Assert.True(spin.WaitStarted(Bound.Long));
        // The heartbeat sends its next pulse only once the last one has completed, and behind the spinner a pulse can
        // only complete by preempting it: three pulses sent means the spinner yielded to at least two.
        long pulses = dev.Heartbeat.Pulses;
        Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 3, "three heartbeat pulses while the spinner runs",
            () => $"{dev.Heartbeat.Pulses - pulses} sent");

        Assert.False(spin.Fence.IsSignaled);
        spin.End();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Heartbeat.HangsReported);
    }

    [Fact]
    public void InvalidCsIsHandledAsHang()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        var spin = Spinner.Start(dev, c, new SpinnerOptions { InvalidCs = true, Engine = EngineId.Vcs0 });
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Video));
    }

    [Theory]
    [InlineData(Driver.Engines.Gt.WedgeStrategy.Epoch)]
    [InlineData(Driver.Engines.Gt.WedgeStrategy.StopMachine)]
    public void WedgeCancelsEverything(Driver.Engines.Gt.WedgeStrategy strategy)
    {
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        var spin = Spinner.Start(dev, c);
        Assert.True(spin.WaitStarted(Bound.Long));
        dev.CreateBuffer(c, 4096, out int batch);
        dev.Write(c, batch, 0, new BatchBuilder().End().ToArray());
        var fences = new List<Driver.Core.Fences.DmaFence>();
        for (int i = 0; i < 50; i++)
        {
            dev.Execbuf(new ExecbufArgs { Client = c, Engine = i % 5, BatchHandle = batch }, out DmaFence? f);
            fences.Add(f!);
        }
        dev.Wedge();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
        foreach (DmaFence f in fences) { Assert.True(f.Wait(Bound.Long)); Assert.NotEqual(0, f.Status); }
        Assert.Equal(-Errno.EIO, dev.Execbuf(new ExecbufArgs { Client = c, Engine = 0, BatchHandle = batch }, out _));
        Assert.True(dev.Unwedge());
        Assert.Equal(0, dev.Execbuf(new ExecbufArgs { Client = c, Engine = 0, BatchHandle = batch }, out DmaFence? after));
        Assert.True(after!.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
    }
}
