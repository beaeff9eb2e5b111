using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Driver.Sim.Logging;

/// <summary>
/// Writes formatted events to a <see cref="TextWriter"/> (the CLI's stderr, or a test's capture), one event at a
/// time: events come from many threads (engines, the reset worker, submitters).
/// </summary>
public sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    /// <summary>Serialises writers so lines from different threads never interleave.</summary>
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
