namespace Driver.Sim.Cli;

/// <summary>Exit codes of <c>gpusim</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The run failed: a fence never signalled, a store was lost or misplaced, an expectation failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line or bad scenario file: nothing was run.</summary>
    public const int Usage = 2;

    /// <summary>The run could not happen here (a scenario needs Vulkan and there is none), as IGT's skip.</summary>
    public const int Skipped = 77;
}
