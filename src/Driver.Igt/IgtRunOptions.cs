namespace Driver.Igt;

/// <summary>How the runner runs subtests.</summary>
public sealed record IgtRunOptions
{
    /// <summary>Print debug lines as they are logged (IGT's --debug).</summary>
    public bool Debug { get; init; }

    /// <summary>Only run dynamic subtests matching these globs (IGT's --dynamic-subtest); null for all.</summary>
    public string? DynamicFilter { get; init; }

    /// <summary>A subtest still running after this is abandoned with result "timeout".</summary>
    public TimeSpan PerTestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Print "[NNN/TTT] binary (subtest)" before each subtest.</summary>
    public bool Progress { get; init; } = true;

    /// <summary>Records every device opened by a subtest for a Chrome trace (<c>--trace</c>); null when not tracing.</summary>
    public IIgtDeviceObserver? Trace { get; init; }

    /// <summary>Count lock-validator reports raised during a subtest as its dmesg warnings.</summary>
    public bool LockdepAsDmesg { get; init; }
}
