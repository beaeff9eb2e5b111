namespace Driver.Igt;

/// <summary>One test's outcome as igt_runner records it: result, output, dmesg and time.</summary>
public sealed class IgtTestRecord
{
    /// <summary>igt@binary@subtest, or igt@binary@subtest@dynamic.</summary>
    public required string Name { get; init; }

    /// <summary>The binary.</summary>
    public required string Binary { get; init; }

    /// <summary>The IGT result.</summary>
    public required IgtResult Result { get; init; }

    /// <summary>Standard output.</summary>
    public string Out { get; init; } = "";

    /// <summary>Standard error.</summary>
    public string Err { get; init; } = "";

    /// <summary>The driver's warning-and-above log lines during the test (its dmesg).</summary>
    public string Dmesg { get; init; } = "";

    /// <summary>dmesg lines the test did not provoke on purpose.</summary>
    public int DmesgWarnings { get; init; }

    /// <summary>Those lines themselves, as kept in <see cref="Dmesg"/> (results.json's "dmesg-warnings").</summary>
    public string DmesgWarningsText { get; init; } = "";

    /// <summary>How long it ran.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The IGT-Version line.</summary>
    public string IgtVersion { get; init; } = IgtVersionInfo.Banner;

    /// <summary>Its dynamic subtests, in order.</summary>
    public IReadOnlyList<IgtTestRecord> Dynamic { get; init; } = [];

    /// <summary>
    /// The runner's result: pass/skip/fail/crash/timeout, turned into warn for a pass with warnings on stderr, and
    /// into dmesg-warn / dmesg-fail when the driver warned about something the test did not provoke.
    /// </summary>
    public string RunnerResult => Result switch
    {
        IgtResult.Success when DmesgWarnings > 0 => "dmesg-warn",
        IgtResult.Success when Err.Length > 0 => "warn",
        IgtResult.Success => "pass",
        IgtResult.Skip => "skip",
        IgtResult.Fail when DmesgWarnings > 0 => "dmesg-fail",
        IgtResult.Fail => "fail",
        IgtResult.Crash => "crash",
        _ => "timeout",
    };

    /// <summary>The record and its dynamic subtests' records.</summary>
    public IEnumerable<IgtTestRecord> SelfAndDynamic => Dynamic.Prepend(this);
}
