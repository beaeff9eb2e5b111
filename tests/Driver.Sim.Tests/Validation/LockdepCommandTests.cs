using Driver.Sim.Validation;

namespace Driver.Sim.Tests.Validation;

public class LockdepCommandTests
{
    [Fact]
    public void StopMachineSplatDemoPrintsTheCircularChain()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(false, "stop-machine-splat", output, TextWriter.Null));
        string text = output.ToString();
        Assert.Contains("WARNING: possible circular locking dependency detected", text);
        Assert.Contains("the existing dependency chain (in reverse order) is:", text);
        Assert.Contains("cpu_hotplug_lock", text);
        Assert.Contains("mmap_sem", text);
        Assert.Contains("struct_mutex", text);
        Assert.Contains("Possible unsafe locking scenario", text);
    }

    [Fact]
    public void ReservationFenceWaitDemoReportsTheCycleThroughTheFenceMap()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(false, "reservation-fence-wait", output, TextWriter.Null));
        string text = output.ToString();
        Assert.Contains("dma_fence_map", text);
        Assert.Contains("reservation_ww_class_mutex", text);
    }

    [Fact]
    public void EpochWedgeDemoReportsNothing()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(false, "epoch-wedge", output, TextWriter.Null));
        Assert.Contains("reported nothing", output.ToString());
    }

    [Fact]
    public void ListAndUnknownDemo()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(true, null, output, TextWriter.Null));
        Assert.Equal(["stop-machine-splat", "reservation-fence-wait", "epoch-wedge"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var err = new StringWriter();
        Assert.Equal(2, LockdepCommand.Run(false, "nope", TextWriter.Null, err));
        Assert.Contains("unknown demo 'nope'", err.ToString());
    }
}
