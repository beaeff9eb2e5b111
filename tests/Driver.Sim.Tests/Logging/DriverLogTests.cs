using System.Text.Json;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Sim.Logging;
using Driver.Testing.Devices;
using Driver.Uapi;
using Serilog.Core;

namespace Driver.Sim.Tests.Logging;

/// <summary>What the driver logs about a hang: the dmesg line names the engine, the events carry engine, context, seqno, errno.</summary>
public class DriverLogTests
{
    [Fact]
    public void HangIsLoggedWithEngineContextSeqnoAndErrno()
    {
        var dmesg = new DmesgBuffer();
        var console = new StringWriter();
        using (Logger log = LogSetup.Create(TextWriter.Synchronized(console), new LogOptions { Verbose = true, Format = LogFormat.Json, Dmesg = dmesg }))
        using (var t = TestDevice.Fast(log: log))
        {
            GpuDevice dev = t.Dev;
            Assert.Equal(0, dev.OpenClient(out int client, name: "hog"));
            Assert.Equal(0, dev.CreateContext(client, out int ctx));
            using var spin = Spinner.Start(dev, client, new SpinnerOptions { Context = ctx, Engine = EngineId.Vcs0, NoPreemption = true });
            Assert.True(spin.Fence.Wait(Bound.Long));
            Assert.Equal(-Errno.EIO, spin.Fence.Status);
            // The log lines come from the reset worker: wait (bounded) for its handling to end.
            Poll.Until(() => dev.Worker.Pending == 0, "the reset worker to go idle");
        }

        Assert.Contains(dmesg.Lines, l => l.Contains("] gpusim vcs0: GPU HANG: "));
        JsonElement[] events = console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        JsonElement hang = Assert.Single(events, e => e.GetProperty("message").GetString()!.StartsWith("GPU HANG"));
        Assert.Equal("vcs0", hang.GetProperty("engine").GetString());
        Assert.Equal("hog/ctx1", hang.GetProperty("properties").GetProperty("Context").GetString());
        Assert.Equal(1, hang.GetProperty("properties").GetProperty("Seqno").GetInt32());
        JsonElement guilty = Assert.Single(events, e => e.GetProperty("message").GetString()!.Contains("guilty"));
        JsonElement props = guilty.GetProperty("properties");
        Assert.Equal("vcs0", props.GetProperty("Engine").GetString());
        Assert.Equal("hog/ctx1", props.GetProperty("Context").GetString());
        Assert.Equal(1, props.GetProperty("Seqno").GetInt32());
        Assert.Equal("EIO", props.GetProperty("Errno").GetString());
    }
}
