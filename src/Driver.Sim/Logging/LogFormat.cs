namespace Driver.Sim.Logging;

/// <summary>How log lines are written (<c>--log-format</c>).</summary>
public enum LogFormat
{
    /// <summary>Like the kernel log: <c>[   12.345678] gpusim rcs0: message</c>.</summary>
    Kernel,
    /// <summary>One JSON object per line, with every structured property, for machine reading.</summary>
    Json,
}
