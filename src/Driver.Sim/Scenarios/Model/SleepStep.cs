namespace Driver.Sim.Scenarios.Model;

/// <summary>Pauses a thread: a client's (when <see cref="Client"/> is given) or the control thread.</summary>
public sealed record SleepStep : StepSpec
{
    /// <summary>Milliseconds.</summary>
    public required int Ms { get; init; }

    /// <summary>Client whose thread sleeps, or null for the control thread.</summary>
    public string? Client { get; init; }

    /// <inheritdoc/>
    public override string? ClientName => Client;

    /// <inheritdoc/>
    public override string Kind => "sleep";
}
