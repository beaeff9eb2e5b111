using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Driver.Sim.Logging;

/// <summary>
/// Builds the CLI's logger: kernel-log lines (or JSON lines) on <c>console</c> (Warning and up, so a clean run prints
/// nothing; Debug with <c>-v</c>), everything from Information up in the log file when given, the Warning-and-up
/// events in a <see cref="DmesgBuffer"/> when given. Properties pushed with Serilog's LogContext (the reset worker
/// pushes the blamed request's Context and Seqno) are added to every event.
/// </summary>
public static class LogSetup
{
    /// <summary>Creates the logger; dispose it to flush the file.</summary>
    public static Logger Create(TextWriter console, bool verbose, string? logFile) =>
        Create(console, new LogOptions { Verbose = verbose, File = logFile });

    /// <summary>Creates the logger from <paramref name="options"/>; dispose it to flush the file.</summary>
    public static Logger Create(TextWriter console, LogOptions options)
    {
        DateTimeOffset start = options.Start ?? DateTimeOffset.Now;
        ITextFormatter formatter = options.Format == LogFormat.Json ? new JsonLogFormatter(start) : new KernelLogFormatter(start);
        LogEventLevel consoleLevel = options.Verbose ? LogEventLevel.Debug : options.ConsoleLevel;
        LogEventLevel fileLevel = options.File is not null ? LogEventLevel.Information : LogEventLevel.Fatal;
        LogEventLevel dmesgLevel = options.Dmesg is not null ? DmesgBuffer.MinimumLevel : LogEventLevel.Fatal;
        var minimum = (LogEventLevel)Math.Min((int)consoleLevel, Math.Min((int)fileLevel, (int)dmesgLevel));
        LoggerConfiguration config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .Enrich.FromLogContext()
            .WriteTo.Sink(new TextWriterSink(console, formatter), consoleLevel);
        if (options.File is not null)
        {
            config = config.WriteTo.File(formatter, options.File, LogEventLevel.Information);
        }

        if (options.Dmesg is not null)
        {
            config = config.WriteTo.Sink(options.Dmesg, DmesgBuffer.MinimumLevel);
        }

        return config.CreateLogger();
    }
}
