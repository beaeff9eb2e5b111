using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Driver.Sim.Cli;

/// <summary>
/// The <c>gpusim</c> command line: a root command with one subcommand per file (<see cref="RunCommand"/>; add new
/// ones next to it and register them in <see cref="Build"/>). Parse errors are reported by <see cref="ParseErrors"/>
/// and exit with <see cref="ExitCodes.Usage"/>; an exception that escapes a command is a bug in gpusim, reported in
/// one line and exiting with <see cref="ExitCodes.Internal"/>, never with 1 (which says the run found a problem).
/// </summary>
public static class GpusimCli
{
    /// <summary>Set (to anything) for the stack trace of an internal error on commands without <c>-v</c>.</summary>
    public const string DebugVariable = "GPUSIM_DEBUG";

    /// <summary>Runs the CLI on the process's console, with Ctrl-C handled (<see cref="Interrupt"/>).</summary>
    public static int Run(string[] args)
    {
        Interrupt.Install();
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>Runs the CLI writing to <paramref name="stdout"/> and <paramref name="stderr"/> (tests capture them).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(Build(stdout, stderr), args, stdout, stderr);

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the command; returns the exit code.</summary>
    public static int Run(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr)
    {
        ParseResult? result = null;
        try
        {
            result = root.Parse(args);
            if (result.Action is ParseErrorAction)
            {
                return ParseErrors.Report(result, stderr);
            }

            // Exceptions come here rather than to System.CommandLine's handler, which prints a stack trace and exits 1.
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return InternalError(e, result, stderr);
        }
    }

    /// <summary>The command tree.</summary>
    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "GpuSim: a userspace simulation of an i915-style GPU driver and its hang recovery (engine reset, full " +
            "reset, wedging, bans). Run scenarios against it and verify every fence and every store. Exit codes: 0 " +
            "passed, 1 the run found a problem, 2 bad command line or input, 70 internal error, 77 skipped.");
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(InfoCommand.Create(stdout, stderr));
        root.Subcommands.Add(SoakCommand.Create(stdout, stderr));
        root.Subcommands.Add(Bench.BenchCommand.Build());
        root.Subcommands.Add(Validation.LockdepCommand.Build());
        root.Subcommands.Add(Vulkan.VulkanSmokeCommand.Build());
        root.Subcommands.Add(Glitch.GlitchCommand.Build());
        root.Subcommands.Add(Igt.IgtCommand.Build());
        root.Subcommands.Add(Fuzz.FuzzCommand.Build());
        root.Subcommands.Add(Drm.ServeCommand.Build());
        root.Subcommands.Add(Drm.IgtRunCommand.Build());
        return root;
    }

    /// <summary>
    /// One line for the user (what broke and where to look), the stack trace only when asked for (<c>-v</c>, or
    /// <see cref="DebugVariable"/>), and appended to the <c>--log</c> file when there is one, for the bug report.
    /// </summary>
    private static int InternalError(Exception e, ParseResult? result, TextWriter stderr)
    {
        Exception shown = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.Flatten().InnerExceptions[0] : e;
        CommandResult? command = result?.CommandResult;
        bool hasVerbose = command?.Command.Options.Any(o => o.Name == "--verbose") == true;
        bool verbose = (hasVerbose && OptionGiven(command!, "--verbose")) || Environment.GetEnvironmentVariable(DebugVariable) is { Length: > 0 };
        string? log = command is null ? null : OptionValue(command, "--log");
        string where = log is not null ? $"see {log}" : hasVerbose ? "see --log FILE / rerun with -v" : $"rerun with {DebugVariable}=1 for the stack trace";
        stderr.WriteLine($"{CliMessages.Prefix}internal error: {shown.GetType().Name}: {FirstLine(shown.Message)} ({where})");
        if (verbose)
        {
            stderr.WriteLine(e);
        }

        if (log is not null)
        {
            try
            {
                File.AppendAllText(log, $"gpusim: internal error{Environment.NewLine}{e}{Environment.NewLine}");
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException)
            {
                // The log was checked before the run; if it has gone since, the console line is all there is.
            }
        }
        return ExitCodes.Internal;
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static bool OptionGiven(CommandResult command, string name) =>
        command.Children.OfType<OptionResult>().Any(o => o.Option.Name == name && !o.Implicit && o.Tokens.All(t => t.Value != "false"));

    private static string? OptionValue(CommandResult command, string name) =>
        command.Children.OfType<OptionResult>().FirstOrDefault(o => o.Option.Name == name && !o.Implicit)?.Tokens.FirstOrDefault()?.Value;
}
