using Driver.Sim.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Driver.Sim.Tests.Cli;

public class KernelLogFormatterTests
{
    private static string Format(TimeSpan after, string template, params (string Name, object Value)[] props)
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var evt = new LogEvent(start + after, LogEventLevel.Warning, null, new MessageTemplateParser().Parse(template),
            props.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));
        var w = new StringWriter();
        new KernelLogFormatter(start).Format(evt, w);
        return w.ToString();
    }

    [Fact]
    public void EngineEventLooksLikeDmesg()
    {
        string line = Format(TimeSpan.FromSeconds(12.3456789), "Resetting {Engine} for {Reason}", ("Engine", "rcs0"), ("Reason", "preemption time out"));

        Assert.Equal("[   12.345679] gpusim rcs0: Resetting rcs0 for preemption time out" + Environment.NewLine, line);
    }

    [Fact]
    public void EventWithoutEngineHasNoEngineTag()
    {
        string line = Format(TimeSpan.FromMilliseconds(5), "GPU HANG: {Reason}, engine mask 0x{Mask:x}", ("Reason", "x"), ("Mask", 5u));

        Assert.Equal("[    0.005000] gpusim: GPU HANG: x, engine mask 0x5" + Environment.NewLine, line);
    }
}
