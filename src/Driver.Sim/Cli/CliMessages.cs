namespace Driver.Sim.Cli;

/// <summary>
/// The one shape of every message gpusim prints about itself: <c>gpusim: error: …</c>, <c>gpusim: warning: …</c>,
/// <c>gpusim: skipped: …</c>, <c>gpusim: internal error: …</c>, so a user (or a grep) always knows who is talking and
/// how bad it is. Usage errors end with a pointer to the help of the command that was being used.
/// </summary>
public static class CliMessages
{
    /// <summary>What every message starts with.</summary>
    public const string Prefix = "gpusim: ";

    /// <summary>Writes <c>gpusim: error: message</c>.</summary>
    public static void Error(TextWriter stderr, string message) => stderr.WriteLine($"{Prefix}error: {message}");

    /// <summary>Writes <c>gpusim: warning: message</c>.</summary>
    public static void Warning(TextWriter stderr, string message) => stderr.WriteLine($"{Prefix}warning: {message}");

    /// <summary>Writes <c>gpusim: skipped: reason</c>.</summary>
    public static void Skipped(TextWriter stderr, string reason) => stderr.WriteLine($"{Prefix}skipped: {reason}");

    /// <summary>The pointer to a command's help: <c>Try 'gpusim info --help' for more information.</c></summary>
    public static string HelpHint(string? command) =>
        $"Try 'gpusim {(string.IsNullOrEmpty(command) ? "" : command + " ")}--help' for more information.";

    /// <summary>
    /// Writes a usage error and the pointer to <paramref name="command"/>'s help (the subcommand's path, "info",
    /// or null for the root); returns <see cref="ExitCodes.Usage"/>.
    /// </summary>
    public static int Usage(TextWriter stderr, string? command, string message)
    {
        Error(stderr, message);
        stderr.WriteLine(HelpHint(command));
        return ExitCodes.Usage;
    }

    /// <summary>Writes each line of a multi-line error (a scenario file's problems) as its own error line.</summary>
    public static int Errors(TextWriter stderr, string lines, int exitCode)
    {
        foreach (string line in lines.Split(Environment.NewLine))
        {
            Error(stderr, line);
        }

        return exitCode;
    }
}
