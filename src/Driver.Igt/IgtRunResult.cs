namespace Driver.Igt;

/// <summary>A run's records, when it started and ended (Unix seconds), and the exit code.</summary>
public sealed record IgtRunResult(IReadOnlyList<IgtTestRecord> Records, double StartUnix, double EndUnix)
{
    /// <summary>Every record, dynamic subtests included.</summary>
    public IEnumerable<IgtTestRecord> AllRecords => Records.SelectMany(r => r.SelfAndDynamic);

    /// <summary>98 if any subtest failed, crashed or timed out; else 77 if every one was skipped; else 0; 79 when none ran.</summary>
    public int ExitCode
    {
        get
        {
            if (Records.Count == 0)
            {
                return IgtExitCode.Invalid;
            }

            if (Records.Any(r => r.Result is IgtResult.Fail or IgtResult.Crash or IgtResult.Timeout))
            {
                return IgtExitCode.Failure;
            }

            return Records.All(r => r.Result == IgtResult.Skip) ? IgtExitCode.Skip : IgtExitCode.Success;
        }
    }
}
