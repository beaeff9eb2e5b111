using System.Text.Json.Serialization;

namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// A scenario file (docs/scenarios.md, scenarios/scenario.schema.json): the device settings, the clients and their
/// contexts, phases of workloads and actions run one after the other, and what to expect at the end.
/// </summary>
public sealed record Scenario
{
    /// <summary>Optional link to the JSON Schema, for editors; ignored.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>Short name, shown in the summary and the results.</summary>
    public required string Name { get; init; }

    /// <summary>What the scenario exercises.</summary>
    public string? Description { get; init; }

    /// <summary>Seed of every random choice (store addresses and values, engine picks); <c>--seed</c> overrides it.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Overrides of the device configuration.</summary>
    public DeviceSpec? Device { get; init; }

    /// <summary>
    /// A second device in the same process (same fields as <see cref="Device"/>; Vulkan engines are not supported
    /// there): it imports every buffer of <see cref="SharedBuffers"/>, and setDomain steps may wait on its side.
    /// </summary>
    public DeviceSpec? Peer { get; init; }

    /// <summary>Buffers created on the device, exported (PRIME) and imported into the peer, by name; needs a peer.</summary>
    public IReadOnlyList<SharedBufferSpec>? SharedBuffers { get; init; }

    /// <summary>
    /// Starts the reservation deadlock watchdog with this bound in ms: a waits-for cycle whose every wait is older is
    /// printed and broken (the waiter under the lock gets -EDEADLK). Off when left out.
    /// </summary>
    public int? DeadlockWatchdogMs { get; init; }

    /// <summary>The clients (open DRM files) and their contexts.</summary>
    public required IReadOnlyList<ClientSpec> Clients { get; init; }

    /// <summary>Phases, run in order; the steps of one phase run concurrently, one thread per client.</summary>
    public required IReadOnlyList<PhaseSpec> Phases { get; init; }

    /// <summary>
    /// Bound on waiting for every fence at the end (and for a phase's <c>waitIdle</c>): a bound, not a target (the
    /// drain ends when the last fence signals), so generous. A loaded 2-core machine takes over 10 s to run the
    /// thousands of requests of a shipped scenario chained across engines, each hop waiting for a thread to be
    /// scheduled.
    /// </summary>
    public int DrainTimeoutMs { get; init; } = 60_000;

    /// <summary>Expectations checked at the end, or null.</summary>
    public ExpectSpec? Expect { get; init; }
}
