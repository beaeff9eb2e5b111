using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Driver.Sim.Cli;

/// <summary>
/// The <c>gpusim</c> command line: a root command with one subcommand per file (<see cref="RunCommand"/>; add new
/// ones next to it and register them in <see cref="Build"/>). Parse errors print System.CommandLine's message and
/// exit with <see cref="ExitCodes.Usage"/>.
/// </summary>
public static class GpusimCli
{
    /// <summary>Runs the CLI on the process's console.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI writing to <paramref name="stdout"/> and <paramref name="stderr"/> (tests capture them).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        RootCommand root = Build(stdout, stderr);
        ParseResult result = root.Parse(args);
        if (result.Action is ParseErrorAction)
        {
            foreach (ParseError error in result.Errors)
            {
                stderr.WriteLine($"gpusim: {error.Message}");
            }

            stderr.WriteLine("Try 'gpusim --help' for usage.");
            return ExitCodes.Usage;
        }
        return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>The command tree.</summary>
    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "GpuSim: a userspace simulation of an i915-style GPU driver and its hang recovery (engine reset, full " +
            "reset, wedging, bans). Run scenarios against it and verify every fence and every store.");
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(InfoCommand.Create(stdout, stderr));
        root.Subcommands.Add(SoakCommand.Create(stdout, stderr));
        root.Subcommands.Add(Bench.BenchCommand.Build());
        root.Subcommands.Add(Validation.LockdepCommand.Build());
        root.Subcommands.Add(Vulkan.VulkanSmokeCommand.Build());
        root.Subcommands.Add(Glitch.GlitchCommand.Build());
        root.Subcommands.Add(Igt.IgtCommand.Build());
        return root;
    }
}
