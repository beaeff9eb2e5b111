using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Driver.Sim.Logging;

/// <summary>
/// Builds the CLI's logger: kernel-log lines on <c>console</c> (Warning and up, so a clean run prints nothing; Debug
/// with <c>-v</c>), and everything from Information up in <c>logFile</c> when given.
/// </summary>
public static class LogSetup
{
    /// <summary>Creates the logger; dispose it to flush the file.</summary>
    public static Logger Create(TextWriter console, bool verbose, string? logFile)
    {
        var formatter = new KernelLogFormatter(DateTimeOffset.Now);
        var consoleLevel = verbose ? LogEventLevel.Debug : LogEventLevel.Warning;
        var minimum = verbose ? LogEventLevel.Debug : logFile is not null ? LogEventLevel.Information : LogEventLevel.Warning;
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .WriteTo.Sink(new TextWriterSink(console, formatter), consoleLevel);
        if (logFile is not null)
            config = config.WriteTo.File(formatter, logFile, LogEventLevel.Information);
        return config.CreateLogger();
    }
}
