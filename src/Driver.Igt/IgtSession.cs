namespace Driver.Igt;

/// <summary>What every context of one run shares: the console, the options, the run's start, and the way back to the runner for dynamic subtests.</summary>
internal sealed class IgtSession(IgtOutput output, IgtRunOptions options, long start, Action<IgtContext, string, Action<IgtContext>> runDynamic)
{
    /// <summary>The console.</summary>
    public IgtOutput Output { get; } = output;

    /// <summary>The run's options.</summary>
    public IgtRunOptions Options { get; } = options;

    /// <summary>Stopwatch timestamp of the run's start (dmesg times count from it).</summary>
    public long Start { get; } = start;

    /// <summary>Runs a dynamic subtest of a subtest (the runner's part of igt_dynamic).</summary>
    public Action<IgtContext, string, Action<IgtContext>> RunDynamic { get; } = runDynamic;

    /// <summary>The "(binary:pid)" prefix of IGT's log lines.</summary>
    public static string Prefix(string binary) => $"({binary}:{Environment.ProcessId})";
}
