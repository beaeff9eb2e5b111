using Serilog.Core;
using Serilog.Events;

namespace Driver.Sim.Logging;

/// <summary>
/// A log sink keeping the Warning-and-up events of a run as kernel-log lines: the simulator's dmesg. A test runner
/// (the igt runner) reads it after each test and fails or warns on what it finds, as igt_runner does with the
/// kernel log. Add it with <see cref="LogOptions.Dmesg"/>; thread-safe.
/// </summary>
public sealed class DmesgBuffer(DateTimeOffset start, int capacity = 10_000) : ILogEventSink
{
    private readonly KernelLogFormatter _formatter = new(start);

    /// <summary>Guards <see cref="_lines"/> against concurrent emitters (engines, reset worker, submitters) and readers.</summary>
    private readonly Lock _lock = new();
    private readonly List<string> _lines = new();
    private long _dropped;

    /// <summary>A buffer whose timestamps count from now.</summary>
    public DmesgBuffer() : this(DateTimeOffset.Now)
    {
    }

    /// <summary>The lowest level kept.</summary>
    public const LogEventLevel MinimumLevel = LogEventLevel.Warning;

    /// <summary>Lines dropped because the buffer was full (oldest kept, as a ring buffer would lose the newest).</summary>
    public long Dropped { get { lock (_lock) { return _dropped; } } }

    /// <summary>Snapshot of the lines kept.</summary>
    public IReadOnlyList<string> Lines { get { lock (_lock) { return _lines.ToArray(); } } }

    /// <summary>Returns the lines kept and empties the buffer (between two tests).</summary>
    public IReadOnlyList<string> Drain()
    {
        lock (_lock)
        {
            string[] lines = _lines.ToArray();
            _lines.Clear();
            return lines;
        }
    }

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < MinimumLevel)
        {
            return;
        }

        var text = new StringWriter();
        _formatter.Format(logEvent, text);
        // A formatted event may span lines (an exception): keep each as a dmesg line.
        string[] lines = text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lock (_lock)
        {
            foreach (string line in lines)
            {
                if (_lines.Count >= capacity) { _dropped++; continue; }
                _lines.Add(line);
            }
        }
    }
}
