namespace Driver.Sim.Cli;

/// <summary>PLACEHOLDER entry point.</summary>
public static class GpusimCli
{
    /// <summary>Runs the CLI.</summary>
    public static int Run(string[] args) => 0;
}
