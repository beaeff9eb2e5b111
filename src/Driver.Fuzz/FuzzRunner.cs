using System.Diagnostics;
using System.Text.RegularExpressions;
using CsCheck;

namespace Driver.Fuzz;

/// <summary>
/// Runs one fuzz property with CsCheck: case i of a run is generated from the CsCheck seed built from (i,
/// <see cref="FuzzBudget.Seed"/>), so a run is repeatable from its seed; the first failing case is then shrunk by
/// CsCheck (sampling on from that seed for smaller failing cases) and reported with the CsCheck seed that replays
/// the smallest one alone (<see cref="FuzzBudget.Replay"/>).
/// </summary>
public static partial class FuzzRunner
{
    /// <summary>Runs <paramref name="property"/> over cases of <paramref name="gen"/> within <paramref name="budget"/>.</summary>
    public static FuzzReport Run<T>(string target, Gen<T> gen, Action<T> property, Func<T, string> print, FuzzBudget budget,
        CancellationToken stop = default)
    {
        var clock = Stopwatch.StartNew();
        if (budget.Replay is { } replay)
        {
            string? failure = Sample(gen, property, print, replay, iter: 1, seconds: -1);
            return Report(target, budget, 1, clock, failure, failure is null ? null : replay);
        }

        int cases = 0;
        while (cases < budget.MaxCases && (cases == 0 || clock.Elapsed < budget.Duration) && !stop.IsCancellationRequested)
        {
            string seed = CaseSeed(budget.Seed, cases);
            cases++;
            string? failure = Sample(gen, property, print, seed, iter: 1, seconds: -1);
            if (failure is null)
            {
                continue;
            }
            // Shrink: CsCheck starts from the failing seed and keeps sampling for smaller failing cases.
            string? shrunk = Sample(gen, property, print, seed, iter: int.MaxValue, seconds: budget.ShrinkSeconds);
            string final = shrunk ?? failure;
            return Report(target, budget, cases, clock, final, SeedOf(final) ?? seed);
        }

        return Report(target, budget, cases, clock, null, null);
    }

    /// <summary>The CsCheck seed of case <paramref name="index"/> of the run seeded <paramref name="seed"/>.</summary>
    public static string CaseSeed(int seed, int index) => new PCG((uint)index, (uint)seed).ToString();

    private static string? Sample<T>(Gen<T> gen, Action<T> property, Func<T, string> print, string seed, long iter, int seconds)
    {
        try
        {
            Check.Sample(gen, property, writeLine: null, seed: seed, iter: iter, time: seconds, threads: 1, print: print);
            return null;
        }
        catch (CsCheckException e)
        {
            // CsCheck's message holds the seed and the printed case; the property's own exception says what broke.
            return e.InnerException is { } inner ? $"{e.Message}{Environment.NewLine}{inner.GetType().Name}: {inner.Message}" : e.Message;
        }
    }

    private static string? SeedOf(string message) => SeedPattern().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    private static FuzzReport Report(string target, FuzzBudget budget, int cases, Stopwatch clock, string? failure, string? seed) => new()
    {
        Target = target,
        Seed = budget.Seed,
        Cases = cases,
        Seconds = clock.Elapsed.TotalSeconds,
        Failure = failure,
        FailingSeed = seed,
    };

    [GeneratedRegex("Set seed: \"([^\"]+)\"")]
    private static partial Regex SeedPattern();
}
