using System.Globalization;

namespace Driver.Fuzz;

/// <summary>
/// How long and how hard one fuzz property runs: the seed that makes its case sequence repeatable, a time bound and
/// a case bound (whichever comes first), the time given to shrinking a failure, and optionally one CsCheck seed to
/// replay alone. The test suite's small budget can be raised with environment variables (<see cref="FromEnvironment(double, int)"/>).
/// </summary>
public sealed record FuzzBudget
{
    /// <summary>GPUSIM_FUZZ_SECONDS: seconds per property (instead of the suite's small default; no case bound then).</summary>
    public const string SecondsVariable = "GPUSIM_FUZZ_SECONDS";

    /// <summary>GPUSIM_FUZZ_SEED: the seed of the case sequence (a fresh one each run when unset).</summary>
    public const string SeedVariable = "GPUSIM_FUZZ_SEED";

    /// <summary>GPUSIM_FUZZ_REPLAY: a CsCheck seed printed by a failure, to run that one case alone.</summary>
    public const string ReplayVariable = "GPUSIM_FUZZ_REPLAY";

    /// <summary>Seed of the case sequence: case i is generated from (i, Seed).</summary>
    public int Seed { get; init; }

    /// <summary>Time bound of the exploration.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Case bound of the exploration.</summary>
    public int MaxCases { get; init; } = int.MaxValue;

    /// <summary>Seconds CsCheck may spend looking for a smaller failing case once one failed.</summary>
    public int ShrinkSeconds { get; init; } = 10;

    /// <summary>
    /// Bound on one case (and on the shrinking's budget beyond <see cref="ShrinkSeconds"/>): a case still running then
    /// is a hang, in the driver or the property, and fails the run with its seed. Every wait of a case is bounded far
    /// below it (a uAPI case: its threads, the fence drain and the device-works check, 10 s each).
    /// </summary>
    public TimeSpan CaseBound { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Whether an exploration that no execbuf was accepted in, or no batch executed in, fails (see
    /// <see cref="FuzzReach"/>): set for the properties that exist to drive batches through the driver.
    /// </summary>
    public bool RequireExecution { get; init; }

    /// <summary>A CsCheck seed to run alone (a replay), or null to explore.</summary>
    public string? Replay { get; init; }

    /// <summary>
    /// The suite's budget: <paramref name="seconds"/> and <paramref name="maxCases"/> unless
    /// <see cref="SecondsVariable"/> asks for longer (then time alone bounds it); the seed from
    /// <see cref="SeedVariable"/> or a fresh one; a replay from <see cref="ReplayVariable"/>.
    /// </summary>
    public static FuzzBudget FromEnvironment(double seconds, int maxCases) => FromEnvironment(seconds, maxCases, Environment.GetEnvironmentVariable);

    /// <summary>
    /// <see cref="FromEnvironment(double, int)"/> with the variables read through <paramref name="variable"/> (tests).
    /// </summary>
    internal static FuzzBudget FromEnvironment(double seconds, int maxCases, Func<string, string?> variable)
    {
        FuzzBudget budget = new()
        {
            Seed = variable(SeedVariable) is { Length: > 0 } s ? ParseSeed(s) : Random.Shared.Next(1, int.MaxValue),
            Duration = TimeSpan.FromSeconds(seconds),
            MaxCases = maxCases,
            ShrinkSeconds = 5,
            Replay = variable(ReplayVariable) is { Length: > 0 } r ? r : null,
        };
        if (variable(SecondsVariable) is { Length: > 0 } text)
        {
            budget = budget with { Duration = TimeSpan.FromSeconds(ParseSeconds(text)), MaxCases = int.MaxValue, ShrinkSeconds = 20 };
        }

        return budget;
    }

    // A typo in a variable must say which variable and what is wrong with it, not end the run in a FormatException.
    private static int ParseSeed(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)
            ? seed
            : throw new ArgumentException($"{SeedVariable}='{text}' is not a seed: it must be an integer from {int.MinValue} to {int.MaxValue}");

    private static double ParseSeconds(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds) && seconds > 0
            && seconds <= TimeSpan.MaxValue.TotalSeconds
            ? seconds
            : throw new ArgumentException($"{SecondsVariable}='{text}' is not a duration: it must be a number of seconds greater than 0");
}
