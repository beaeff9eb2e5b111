namespace Driver.Sim.Cli;

/// <summary>
/// Exit codes of <c>gpusim</c> (the README's gpusim section lists them). Each means one thing, so a script can act
/// on it: 1 only ever says the run itself found a problem, never that the tool broke or was misused.
/// </summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The run failed: a fence never signalled, a store was lost or misplaced, an expectation failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line, bad scenario file or an output that cannot be written: nothing was run.</summary>
    public const int Usage = 2;

    /// <summary>An unexpected exception: a bug in gpusim, not a finding about the driver (sysexits.h's EX_SOFTWARE).</summary>
    public const int Internal = 70;

    /// <summary>Interrupted by Ctrl-C (128 + SIGINT, as a shell reports it) after printing what it had.</summary>
    public const int Interrupted = 130;

    /// <summary>The run could not happen here (a scenario needs Vulkan and there is none), as IGT's skip.</summary>
    public const int Skipped = 77;
}
