using System.Text.Json;
using System.Text.RegularExpressions;
using Driver.Sim.Logging;
using Serilog.Context;
using Serilog.Core;

namespace Driver.Sim.Tests.Logging;

/// <summary>The dmesg capture and the logger LogSetup builds (levels, formats, LogContext properties).</summary>
public class DmesgBufferTests
{
    private static readonly Regex s_kernelLine = new(@"^\[\s*\d+\.\d{6}\] gpusim( [a-z0-9,]+)?: ");

    [Fact]
    public void KeepsWarningsAndUpAsKernelLogLines()
    {
        var dmesg = new DmesgBuffer();
        using (Logger log = LogSetup.Create(TextWriter.Null, new LogOptions { Dmesg = dmesg }))
        {
            log.Information("not in dmesg");
            log.ForContext("Engine", "rcs0").Warning("GPU HANG: {Reason}", "preemption time out");
            log.Error("wedging the GPU: {Reason}", "test");
        }

        IReadOnlyList<string> lines = dmesg.Lines;
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Matches(s_kernelLine, l));
        Assert.EndsWith("gpusim rcs0: GPU HANG: preemption time out", lines[0]);
        Assert.EndsWith("gpusim: wedging the GPU: test", lines[1]);
    }

    [Fact]
    public void DrainEmptiesTheBuffer()
    {
        var dmesg = new DmesgBuffer();
        using Logger log = LogSetup.Create(TextWriter.Null, new LogOptions { Dmesg = dmesg });
        log.Warning("one");

        Assert.Single(dmesg.Drain());
        Assert.Empty(dmesg.Lines);
        log.Warning("two");
        Assert.EndsWith("gpusim: two", Assert.Single(dmesg.Lines));
    }

    [Fact]
    public void JsonConsoleGetsLogContextProperties()
    {
        var console = new StringWriter();
        using (Logger log = LogSetup.Create(console, new LogOptions { Format = LogFormat.Json }))
        using (LogContext.PushProperty("Seqno", 42))
        {
            log.Warning("hang");
        }

        JsonElement json = JsonDocument.Parse(console.ToString()).RootElement;
        Assert.Equal(42, json.GetProperty("properties").GetProperty("Seqno").GetInt32());
    }

    [Fact]
    public void ConsoleLevelIsWarningUnlessVerbose()
    {
        var quiet = new StringWriter();
        using (Logger log = LogSetup.Create(quiet, new LogOptions()))
        {
            log.Information("info");
            log.Warning("warn");
        }
        var verbose = new StringWriter();
        using (Logger log = LogSetup.Create(verbose, new LogOptions { Verbose = true }))
        {
            log.Debug("debug");
        }

        Assert.DoesNotContain("info", quiet.ToString());
        Assert.Contains("gpusim: warn", quiet.ToString());
        Assert.Contains("gpusim: debug", verbose.ToString());
    }
}
