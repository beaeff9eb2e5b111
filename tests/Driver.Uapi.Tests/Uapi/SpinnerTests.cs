using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>The igt_spin equivalent: starts, spins, ends on request or timeout, and its hang flavours.</summary>
public class SpinnerTests
{
    [Theory]
    [InlineData(EngineId.Rcs0)]
    [InlineData(EngineId.Bcs0)]
    [InlineData(EngineId.Vcs0)]
    [InlineData(EngineId.Vecs0)]
    [InlineData(EngineId.Ccs0)]
    public void StartsSpinsAndEndsWithStatusOne(EngineId engine)
    {
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = engine });
        Assert.True(spin.WaitStarted(Bound.Long));
        Assert.True(spin.IsStarted);
        Assert.False(spin.Fence.IsSignaled);
        Assert.Equal(0, spin.Fence.Status);
        spin.End();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }

    [Fact]
    public void PreemptibleSpinnerSurvivesHeartbeats()
    {
        using var t = TestDevice.StarvationTolerant();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = EngineId.Vecs0 });
        Assert.True(spin.WaitStarted(Bound.Long));
        long pulses = t.Dev.Heartbeat.Pulses;
        // A second pulse is only sent once the first was taken: the spinner yielded to it at its arbitration point.
        Poll.Until(() => t.Dev.Heartbeat.Pulses >= pulses + 2, "the spinner never yielded to a pulse");
        Assert.False(spin.Fence.IsSignaled);
        spin.End();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }

    [Fact]
    public void SetTimeoutEndsTheSpinner()
    {
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client);
        spin.SetTimeout(TimeSpan.FromMilliseconds(30));
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        Assert.True(spin.IsStarted);
    }

    [Fact]
    public void NoPreemptionSpinnerIsResetAsAHang()
    {
        // The heartbeat finds this hang: the spinner has no arbitration point to take the pulse at.
        using var t = TestDevice.Fast();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { NoPreemption = true, Engine = EngineId.Bcs0 });
        Assert.True(spin.WaitStarted(Bound.Long));
        DmaFence behind = t.Submit(new Driver.Engines.Isa.BatchBuilder().End(), EngineId.Bcs0);
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
        Assert.True(behind.Wait(Bound.Long));
        Assert.Equal(1, behind.Status);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.Copy));
        Assert.Equal(0, t.Dev.Reset.ResetCount);
    }

    [Fact]
    public void InvalidCsSpinnerFaults()
    {
        using var t = TestDevice.WithoutHeartbeat();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { InvalidCs = true, Engine = EngineId.Ccs0 });
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
        Assert.True(spin.IsStarted, "the spinner ran up to its invalid instruction");
        EngineFault fault = t.Engine(EngineId.Ccs0).LastFault!;
        Assert.Equal(FaultKind.InvalidInstruction, fault.Kind);
        Assert.Equal(spin.Address + 0x14, fault.Address);
        Assert.Equal(Spinner.InvalidInstruction, fault.Dword);
        Assert.Equal(1, t.Dev.Reset.EngineResetCount(EngineClass.Compute));
        t.AssertWorks(EngineId.Ccs0);
    }

    [Fact]
    public void FenceOutExposesTheOutFence()
    {
        using var t = TestDevice.WithoutHeartbeat();
        using var plain = Spinner.Start(t.Dev, t.Client);
        using var exported = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { FenceOut = true, Engine = EngineId.Vcs0 });
        Assert.Null(plain.OutFence);
        Assert.Same(exported.Fence, exported.OutFence);
        exported.End();
        Assert.True(exported.OutFence!.Wait(Bound.Long));
        Assert.Equal(1, exported.OutFence.Status);
    }

    [Fact]
    public void SpinnerWaitsForItsInFences()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var gate = new DmaFence();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { InFences = [gate] });
        // The engine is free (another context's work runs), yet the spinner has not started.
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int other));
        t.AssertWorks(EngineId.Rcs0, other);
        Assert.False(spin.IsStarted);
        gate.Signal();
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.End();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
    }

    [Fact]
    public void SpinnerOnAnotherContext()
    {
        using var t = TestDevice.WithoutHeartbeat();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Context = ctx });
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.End();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
    }

    [Fact]
    public void BadSubmissionIsAnErrnoAndStartThrowsIt()
    {
        using var t = TestDevice.WithoutHeartbeat();
        long pages = t.Dev.Gt.Memory.UsedPages;
        Assert.Equal(-Errno.ENOENT, Spinner.Create(t.Dev, t.Client, new SpinnerOptions { Context = 99 }, out Spinner? none));
        Assert.Null(none);
        Assert.Equal(pages, t.Dev.Gt.Memory.UsedPages);
        Assert.Equal(-Errno.ENOENT, Spinner.Create(t.Dev, 999, new SpinnerOptions(), out _));
        Assert.Equal(-Errno.EINVAL, Spinner.Create(t.Dev, t.Client, new SpinnerOptions { Engine = (EngineId)7 }, out _));
        DriverException e = Assert.Throws<DriverException>(() => Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Context = 99 }));
        Assert.Equal(Errno.ENOENT, e.Errno);
        t.AssertWorks();
    }

    [Fact]
    public void DisposeEndsTheSpinnerAndClosesItsObject()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var spin = Spinner.Start(t.Dev, t.Client);
        Assert.True(spin.WaitStarted(Bound.Long));
        spin.Dispose();
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        Assert.Equal(-Errno.ENOENT, t.Dev.Busy(t.Client, spin.Handle, out _));
    }
}
