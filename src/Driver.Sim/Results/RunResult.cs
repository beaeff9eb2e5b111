using System.Text.Json.Serialization;

namespace Driver.Sim.Results;

/// <summary>
/// What a scenario run produced; serialized as the results JSON (<c>gpusim run --json</c>). Field names are a contract
/// (docs/scenarios.md): fields may be added, never renamed.
/// </summary>
public sealed record RunResult
{
    /// <summary>Scenario name.</summary>
    public required string Scenario { get; init; }

    /// <summary>Seed used.</summary>
    public required int Seed { get; init; }

    /// <summary>From the first phase's start to the end of the drain, in ms.</summary>
    public required double DurationMs { get; init; }

    /// <summary>Submitted requests per second over <see cref="DurationMs"/>.</summary>
    public required double RequestsPerSecond { get; init; }

    /// <summary>Fence outcomes over the whole run.</summary>
    public required FenceCounts Fences { get; init; }

    /// <summary>Per engine ("rcs0"...): requests the scenario submitted, resets of the engine.</summary>
    public required IReadOnlyDictionary<string, EngineCounts> Engines { get; init; }

    /// <summary>Reset counters.</summary>
    public required ResetCounts Resets { get; init; }

    /// <summary>Whether the device is wedged at the end.</summary>
    public required bool Wedged { get; init; }

    /// <summary>Store verification.</summary>
    public required StoreChecks Checks { get; init; }

    /// <summary>Hang accounting of every scenario context.</summary>
    public required IReadOnlyList<ContextResult> Contexts { get; init; }

    /// <summary>Error states captured.</summary>
    public required int ErrorStates { get; init; }

    /// <summary>Times the device was wedged.</summary>
    public required int WedgeEvents { get; init; }

    /// <summary>Per step (workload or action) outcomes.</summary>
    public required IReadOnlyList<WorkloadResult> Workloads { get; init; }

    /// <summary>Expectation results, when the scenario has expectations.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ExpectResult? Expect { get; init; }

    /// <summary>
    /// Whether the run passed: every fence signalled, no store mismatched or stray, every expectation met.
    /// </summary>
    public required bool Passed { get; init; }

    /// <summary>The held error state's text (the first captured; at most one), not in the JSON; see <c>--error-state</c>.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> ErrorStateDumps { get; init; } = [];

    /// <summary>The deadlock watchdog's reports (who waits for whom), oldest first; empty without one.</summary>
    public IReadOnlyList<string> Deadlocks { get; init; } = [];
}
