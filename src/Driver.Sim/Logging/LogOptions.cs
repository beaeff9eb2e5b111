namespace Driver.Sim.Logging;

/// <summary>What <see cref="LogSetup.Create(TextWriter, LogOptions)"/> builds: levels, file, format, dmesg capture.</summary>
public sealed record LogOptions
{
    /// <summary>Debug and up on the console (Warning and up otherwise).</summary>
    public bool Verbose { get; init; }

    /// <summary>Lowest level on the console when not verbose (Warning by default).</summary>
    public Serilog.Events.LogEventLevel ConsoleLevel { get; init; } = Serilog.Events.LogEventLevel.Warning;

    /// <summary>Log file receiving Information and up, or null.</summary>
    public string? File { get; init; }

    /// <summary>Format of the console and the file.</summary>
    public LogFormat Format { get; init; } = LogFormat.Kernel;

    /// <summary>Receives the Warning-and-up lines (what a test runner treats as dmesg), or null.</summary>
    public DmesgBuffer? Dmesg { get; init; }

    /// <summary>Time zero of the kernel-log timestamps; now when null.</summary>
    public DateTimeOffset? Start { get; init; }
}
