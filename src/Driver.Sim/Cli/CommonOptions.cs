using System.CommandLine;
using Driver.Engines.Gt;
using Driver.Sim.Logging;

namespace Driver.Sim.Cli;

/// <summary>Options several commands share, built the same way everywhere, and their parsing.</summary>
internal static class CommonOptions
{
    /// <summary><c>--trace FILE</c>: Chrome trace-event JSON for Perfetto / chrome://tracing.</summary>
    public static Option<string?> Trace() => new("--trace")
    {
        Description = "Write a Chrome trace-event JSON of the run to FILE (open it in ui.perfetto.dev or chrome://tracing)",
        HelpName = "FILE",
    };

    /// <summary><c>--log-format kernel|json</c>.</summary>
    public static Option<string> LogFormat()
    {
        var option = new Option<string>("--log-format")
        {
            Description = "Log lines like the kernel log, or one JSON object per line with every property",
            HelpName = "kernel|json",
            DefaultValueFactory = _ => "kernel",
        };
        option.AcceptOnlyFromAmong("kernel", "json");
        return option;
    }

    /// <summary><c>--quiet</c>: no progress display.</summary>
    public static Option<bool> Quiet() => new("--quiet", "-q") { Description = "No progress display (it is shown only on an interactive terminal anyway)" };

    /// <summary><c>--wedge-strategy epoch|stop-machine</c>.</summary>
    public static Option<string?> WedgeStrategy(string description = "Override the wedge strategy")
    {
        var option = new Option<string?>("--wedge-strategy") { Description = description, HelpName = "epoch|stop-machine" };
        option.AcceptOnlyFromAmong("epoch", "stop-machine");
        return option;
    }

    /// <summary>The wedge strategy named on the command line, or null.</summary>
    public static WedgeStrategy? ParseWedgeStrategy(string? name) => name switch
    {
        "epoch" => Engines.Gt.WedgeStrategy.Epoch,
        "stop-machine" => Engines.Gt.WedgeStrategy.StopMachine,
        _ => null,
    };

    /// <summary>The log format named on the command line.</summary>
    public static LogFormat ParseLogFormat(string? name) => name == "json" ? Logging.LogFormat.Json : Logging.LogFormat.Kernel;
}
