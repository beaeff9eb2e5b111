using System.Globalization;
using Driver.Sim.Tracing;

namespace Driver.Sim.Cli;

/// <summary>What the console says about a trace that was written.</summary>
internal static class TraceNotes
{
    /// <summary>
    /// Warns when the recorder's cap left requests out: the trace file says so in its metadata, but nobody reads that
    /// before wondering why the last minutes of a long run are empty.
    /// </summary>
    public static void ReportDropped(long dropped, TextWriter stderr)
    {
        if (dropped <= 0)
        {
            return;
        }

        CliMessages.Warning(stderr, string.Create(CultureInfo.InvariantCulture,
            $"the trace left out {dropped:N0} requests: it keeps the first {TraceRecorder.DefaultMaxRequests:N0} (hangs, resets and wedges are all kept)"));
    }
}
