using Driver.Core.Requests;

namespace Driver.Engines.Vulkan;

/// <summary>How a <see cref="VulkanEngine"/> runs and judges its requests.</summary>
public sealed record VulkanEngineOptions
{
    /// <summary>
    /// The backend's hangcheck: a request still running this long after its submission to the Vulkan queue is hung
    /// (its batch is aborted, the request fails with -EIO).
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an aborted batch may take to stop before the device is declared lost (and recreated). Also bounds
    /// the drain of a lost device's work before its memory is freed.
    /// </summary>
    public TimeSpan AbortGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Fence wait slice while a batch that polls memory (spins) or runs long (work) executes: between slices the host
    /// copies CPU writes into the mirror and executed stores back to GPU memory.
    /// </summary>
    public TimeSpan PumpInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Iteration cap of every spin; null derives it from calibration (4 × (timeout + grace), clamped).</summary>
    public uint? SpinIterationCap { get; init; }

    /// <summary>Busy-kernel iterations per microsecond of WORK; null calibrates on the device at start-up.</summary>
    public double? WorkIterationsPerMicrosecond { get; init; }

    /// <summary>Attempts per request across device losses in which it was an innocent victim.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// Hang accounting for a guilty request, with the reason (called on the engine thread before its fence signals;
    /// must not block). Null: the context's guilty count is bumped. The device facade plugs its ban policy in here.
    /// </summary>
    public Action<Request, string>? OnGuilty { get; init; }

    /// <summary>Requests kept in <see cref="VulkanEngine.History"/>.</summary>
    public int HistoryCapacity { get; init; } = 128;
}
