using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace Driver.Sim.Logging;

/// <summary>
/// Formats events like the kernel log (dmesg): <c>[   12.345678] gpusim rcs0: message</c>, seconds since
/// <paramref name="start"/> with 6 decimals right-aligned in 12 characters, then "gpusim", the engine when the event
/// has an <c>Engine</c> property, and the message with string values unquoted. An exception follows on its own lines.
/// </summary>
public sealed class KernelLogFormatter(DateTimeOffset start) : ITextFormatter
{
    /// <summary>The property naming the engine an event is about.</summary>
    public const string EngineProperty = "Engine";

    /// <inheritdoc/>
    public void Format(LogEvent logEvent, TextWriter output)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        double seconds = Math.Max(0, (logEvent.Timestamp - start).TotalSeconds);
        output.Write('[');
        output.Write(seconds.ToString("F6", ci).PadLeft(12));
        output.Write("] gpusim");
        if (logEvent.Properties.TryGetValue(EngineProperty, out LogEventPropertyValue? engine))
        {
            output.Write(' ');
            WriteValue(engine, null, output, ci);
        }
        output.Write(": ");
        RenderMessage(logEvent, output);
        output.WriteLine();
        if (logEvent.Exception is { } e)
        {
            output.WriteLine(e.ToString());
        }
    }

    /// <summary>Writes the event's message as the kernel log shows it: string values unquoted.</summary>
    public static void RenderMessage(LogEvent logEvent, TextWriter output)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        foreach (MessageTemplateToken token in logEvent.MessageTemplate.Tokens)
        {
            if (token is TextToken text)
            {
                output.Write(text.Text);
            }
            else if (token is PropertyToken p && logEvent.Properties.TryGetValue(p.PropertyName, out LogEventPropertyValue? value))
            {
                WriteValue(value, p.Format, output, ci);
            }
            else
            {
                output.Write(token.ToString());
            }
        }
    }

    /// <summary>Strings as they are (no quotes, as printk prints them); everything else rendered with its format.</summary>
    private static void WriteValue(LogEventPropertyValue value, string? format, TextWriter output, IFormatProvider ci)
    {
        if (value is ScalarValue { Value: string s })
        {
            output.Write(s);
        }
        else
        {
            value.Render(output, format, ci);
        }
    }
}
