using System.CommandLine;

namespace Driver.Sim.Cli;

/// <summary>PLACEHOLDER entry point until the run command lands: bench and lockdep only.</summary>
public static class GpusimCli
{
    /// <summary>Runs the CLI.</summary>
    public static int Run(string[] args)
    {
        var root = new RootCommand("gpusim");
        root.Subcommands.Add(Bench.BenchCommand.Build());
        root.Subcommands.Add(Validation.LockdepCommand.Build());
        return root.Parse(args).Invoke();
    }
}
