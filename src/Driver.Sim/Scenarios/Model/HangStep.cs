namespace Driver.Sim.Scenarios.Model;

/// <summary>Submits spinners (igt_spin) on one engine from one context, <see cref="Count"/> times.</summary>
public sealed record HangStep : StepSpec
{
    /// <summary>Client name.</summary>
    public required string Client { get; init; }

    /// <summary>Context name ("default" unless given).</summary>
    public string Context { get; init; } = "default";

    /// <summary>Engine name.</summary>
    public required string Engine { get; init; }

    /// <summary>Which spinner.</summary>
    public SpinnerKind Spinner { get; init; } = SpinnerKind.NoPreemption;

    /// <summary>How many spinners, one after the other.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Wait (bounded) until each spinner runs before going on, so later work queues behind it.</summary>
    public bool WaitStarted { get; init; } = true;

    /// <summary>Wait (bounded by the drain timeout) for each spinner's fence before going on.</summary>
    public bool WaitDone { get; init; }

    /// <summary>Shared buffers (<c>sharedBuffers</c>, created by this step's client) the spinner reads: its fence joins their reservations.</summary>
    public IReadOnlyList<string>? Objects { get; init; }

    /// <summary>End the spinner after this many ms (igt_spin_set_timeout); required for "plain".</summary>
    public int? EndAfterMs { get; init; }

    /// <inheritdoc/>
    public override string? ClientName => Client;

    /// <inheritdoc/>
    public override string Kind => "hang";
}
