using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace Driver.Sim.Logging;

/// <summary>
/// One JSON object per event, for machine reading (<c>--log-format json</c>):
/// <c>{"uptime":12.345678,"time":"…","level":"warning","engine":"rcs0","message":"…","template":"…","properties":{…}}</c>.
/// <c>uptime</c> is the kernel-log timestamp (seconds since start), <c>engine</c> appears when the event has one,
/// <c>properties</c> holds every structured property (Engine, Context, Seqno, Errno, Reason…), and
/// <c>exception</c> the exception's text when there is one.
/// </summary>
public sealed class JsonLogFormatter(DateTimeOffset start) : ITextFormatter
{
    private static readonly JsonValueFormatter s_values = new(typeTagName: null);

    /// <inheritdoc/>
    public void Format(LogEvent logEvent, TextWriter output)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        double seconds = Math.Max(0, (logEvent.Timestamp - start).TotalSeconds);
        output.Write("{\"uptime\":");
        output.Write(seconds.ToString("F6", ci));
        output.Write(",\"time\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.Timestamp.ToString("O", ci), output);
        output.Write(",\"level\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.Level.ToString().ToLowerInvariant(), output);
        if (logEvent.Properties.TryGetValue(KernelLogFormatter.EngineProperty, out LogEventPropertyValue? engine))
        {
            output.Write(",\"engine\":");
            s_values.Format(engine, output);
        }
        output.Write(",\"message\":");
        var message = new StringWriter();
        KernelLogFormatter.RenderMessage(logEvent, message);
        JsonValueFormatter.WriteQuotedJsonString(message.ToString(), output);
        output.Write(",\"template\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.MessageTemplate.Text, output);
        output.Write(",\"properties\":{");
        bool first = true;
        foreach ((string? name, LogEventPropertyValue? value) in logEvent.Properties)
        {
            if (!first)
            {
                output.Write(',');
            }

            first = false;
            JsonValueFormatter.WriteQuotedJsonString(name, output);
            output.Write(':');
            s_values.Format(value, output);
        }
        output.Write('}');
        if (logEvent.Exception is { } e)
        {
            output.Write(",\"exception\":");
            JsonValueFormatter.WriteQuotedJsonString(e.ToString(), output);
        }
        output.Write('}');
        output.WriteLine();
    }
}
