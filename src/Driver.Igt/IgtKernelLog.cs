using System.Diagnostics;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Driver.Igt;

/// <summary>
/// The subtest's kernel log: a Serilog sink for its devices' loggers. Warning-and-above events are its dmesg
/// lines; every event also goes to the debug ring, for the dump on failure. Driver threads emit concurrently.
/// </summary>
internal sealed class IgtKernelLog(IgtExpectations expect, long runStart, IgtDebugRing ring, string prefix) : ILogEventSink
{
    /// <summary>Lines kept per test; a storm of expected hang warnings is cut short with a note.</summary>
    public const int MaxLines = 200;

    private readonly Lock _lock = new();
    private readonly List<IgtDmesgLine> _lines = new();
    private int _dropped;
    private int _unexpected;
    private volatile bool _stopped;

    /// <summary>Warning-and-above lines the subtest did not provoke on purpose.</summary>
    public int Unexpected { get { lock (_lock) { return _unexpected; } } }

    /// <summary>Stops recording (teardown may log about work the test left behind).</summary>
    public void Stop() => _stopped = true;

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent)
    {
        if (_stopped)
        {
            return;
        }

        string text = Render(logEvent);
        if (logEvent.Exception is { } e)
        {
            text += $" ({e.GetType().Name}: {e.Message})";
        }

        ring.Add($"{prefix} KERNEL-{logEvent.Level.ToString().ToUpperInvariant()}: {text}");
        if (logEvent.Level < LogEventLevel.Warning)
        {
            return;
        }

        Add(logEvent.Level switch { LogEventLevel.Fatal => 2, LogEventLevel.Error => 3, _ => 4 }, text);
    }

    /// <summary>Renders the message as the kernel would print it: string properties bare, not quoted as Serilog does.</summary>
    private static string Render(LogEvent logEvent)
    {
        using var w = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        foreach (MessageTemplateToken token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken p && logEvent.Properties.TryGetValue(p.PropertyName, out LogEventPropertyValue? v) && v is ScalarValue { Value: string s })
            {
                w.Write(s);
            }
            else
            {
                token.Render(logEvent.Properties, w, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return w.ToString();
    }

    /// <summary>Adds a warning from outside the driver's loggers (a lock-validator report).</summary>
    public void AddWarning(string text)
    {
        if (!_stopped)
        {
            Add(4, text);
        }
    }

    private void Add(int priority, string text)
    {
        bool expected = IgtDmesgFilter.IsExpected(expect, text);
        var line = new IgtDmesgLine(priority, Stopwatch.GetElapsedTime(runStart).TotalSeconds, text, expected);
        // Leaf lock: engine, reset-worker and heartbeat threads log concurrently.
        lock (_lock)
        {
            if (!expected)
            {
                _unexpected++;
            }

            if (_lines.Count < MaxLines)
            {
                _lines.Add(line);
            }
            else
            {
                _dropped++;
            }
        }
    }

    /// <summary>The dmesg text.</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                string text = string.Join("\n", _lines);
                if (_dropped > 0)
                {
                    text += $"\n[{_dropped} more lines not kept]";
                }

                return _lines.Count == 0 ? "" : text + "\n";
            }
        }
    }

    /// <summary>
    /// The kept lines the subtest did not provoke on purpose, one a line (resultgen's "dmesg-warnings": the lines
    /// at warning level or above that no ignore pattern matches); empty when there are none.
    /// </summary>
    public string UnexpectedText
    {
        get
        {
            lock (_lock)
            {
                return string.Concat(_lines.Where(l => !l.Expected).Select(l => l + "\n"));
            }
        }
    }
}
