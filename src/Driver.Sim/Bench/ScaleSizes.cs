namespace Driver.Sim.Bench;

/// <summary>
/// The sizes the <c>scale</c> group measures at (issue 17 item 5) and how much work each point does. Tests use a tiny
/// set; <c>--quick</c> keeps the sizes and does less work per point.
/// </summary>
public sealed record ScaleSizes
{
    /// <summary>Engines submitted to, round-robin.</summary>
    public IReadOnlyList<int> Engines { get; init; } = [1, 2, 5];

    /// <summary>Clients, each with its own context and submitting thread.</summary>
    public IReadOnlyList<int> Clients { get; init; } = [1, 16, 256];

    /// <summary>Contexts one submitter cycles through (each request on the next context's timeline).</summary>
    public IReadOnlyList<int> Contexts { get; init; } = [10, 1_000, 10_000];

    /// <summary>Requests queued behind a spinner when the device is wedged.</summary>
    public IReadOnlyList<int> Queued { get; init; } = [1, 100, 10_000];

    /// <summary>Nop requests per load point.</summary>
    public int Requests { get; init; } = 200_000;

    /// <summary>Requests in flight in total at a load point, split evenly between the submitting threads.</summary>
    public int InFlight { get; init; } = 256;

    /// <summary>Measurements per point (the median is reported).</summary>
    public int Repetitions { get; init; } = 5;

    /// <summary>The full run.</summary>
    public static ScaleSizes Full { get; } = new();

    /// <summary><c>--quick</c>: the same sizes, a quarter of the work, three measurements per point.</summary>
    public static ScaleSizes Quick { get; } = new() { Requests = 50_000, Repetitions = 3 };
}
