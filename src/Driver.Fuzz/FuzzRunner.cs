using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using CsCheck;

namespace Driver.Fuzz;

/// <summary>
/// Runs one fuzz property with CsCheck: case i of a run is generated from the CsCheck seed built from (i,
/// <see cref="FuzzBudget.Seed"/>), so a run is repeatable from its seed; the first failing case is then shrunk by
/// CsCheck (sampling on from that seed for smaller failing cases) and reported with the CsCheck seed that replays
/// the smallest one alone (<see cref="FuzzBudget.Replay"/>). Each case runs on a thread of its own, bounded by
/// <see cref="FuzzBudget.CaseBound"/>: a case that does not finish (a deadlock in the driver) fails the run with its
/// seed instead of hanging it; its thread is left behind (a background thread, blocked where the hang is).
/// </summary>
public static partial class FuzzRunner
{
    /// <summary>Runs <paramref name="property"/> over cases of <paramref name="gen"/> within <paramref name="budget"/>.</summary>
    public static FuzzReport Run<T>(string target, Gen<T> gen, Action<T> property, Func<T, string> print, FuzzBudget budget,
        CancellationToken stop = default)
    {
        // The run's reach, seen by its cases' threads (they start below, inheriting the execution context); the
        // caller's own is put back after (a synchronous method's AsyncLocal change would outlive it).
        FuzzReach? outer = FuzzReach.Current;
        var reach = new FuzzReach();
        FuzzReach.Current = reach;
        try
        {
            return Explore(target, gen, property, print, budget, reach, stop);
        }
        finally
        {
            FuzzReach.Current = outer;
        }
    }

    private static FuzzReport Explore<T>(string target, Gen<T> gen, Action<T> property, Func<T, string> print, FuzzBudget budget,
        FuzzReach reach, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        if (budget.Replay is { } replay)
        {
            string? failure = Sample(gen, property, print, replay, iter: 1, seconds: -1, budget.CaseBound, out _);
            return Report(target, budget, 1, clock, failure, failure is null ? null : replay, reach);
        }

        int cases = 0;
        while (cases < budget.MaxCases && (cases == 0 || clock.Elapsed < budget.Duration) && !stop.IsCancellationRequested)
        {
            string seed = CaseSeed(budget.Seed, cases);
            cases++;
            string? failure = Sample(gen, property, print, seed, iter: 1, seconds: -1, budget.CaseBound, out bool hung);
            if (failure is null)
            {
                continue;
            }

            if (hung)
            {
                // Not shrunk: every smaller case tried could hang as well, each leaving a thread behind.
                return Report(target, budget, cases, clock, failure, seed, reach);
            }
            // Shrink: CsCheck starts from the failing seed and keeps sampling for smaller failing cases. A hang while
            // shrinking keeps the case found first (the shrinker's current seed is not known from outside).
            string? shrunk = Sample(gen, property, print, seed, iter: int.MaxValue, seconds: budget.ShrinkSeconds,
                budget.CaseBound + TimeSpan.FromSeconds(budget.ShrinkSeconds), out bool shrinkHung);
            string final = shrinkHung ? failure : shrunk ?? failure;
            return Report(target, budget, cases, clock, final, SeedOf(final) ?? seed, reach);
        }

        // Every case held; but a property that exists to drive batches through the driver and never got one accepted
        // and executed tested only the uAPI's refusals: a vacuous pass, reported as a failure (with no case to replay).
        if (budget.RequireExecution && (reach.Accepted == 0 || reach.Executed == 0))
        {
            return Report(target, budget, cases, clock, string.Create(CultureInfo.InvariantCulture,
                $"the exploration tested nothing it is for: {cases} cases accepted no execbuf or executed no batch ({reach.Accepted} accepted, {reach.Executed} executed)"), null, reach);
        }

        return Report(target, budget, cases, clock, null, null, reach);
    }

    /// <summary>The CsCheck seed of case <paramref name="index"/> of the run seeded <paramref name="seed"/>.</summary>
    public static string CaseSeed(int seed, int index) => new PCG((uint)index, (uint)seed).ToString();

    /// <summary>
    /// <see cref="SampleHere"/> on a thread of its own, joined within <paramref name="bound"/>; a sample still running
    /// then is reported as a hang (<paramref name="hung"/>) with the case its seed generates. An exception other than
    /// a failed property (a bug of the runner or of CsCheck) is rethrown here, on the caller's thread.
    /// </summary>
    private static string? Sample<T>(Gen<T> gen, Action<T> property, Func<T, string> print, string seed, long iter, int seconds,
        TimeSpan bound, out bool hung)
    {
        string? failure = null;
        ExceptionDispatchInfo? crash = null;
        var worker = new Thread(() =>
        {
            try
            {
                failure = SampleHere(gen, property, print, seed, iter, seconds);
            }
            catch (Exception e)
            {
                crash = ExceptionDispatchInfo.Capture(e);
            }
        })
        { Name = "fuzz-case", IsBackground = true };
        worker.Start();
        // Join's happens-before publishes failure and crash.
        hung = !worker.Join(bound);
        if (!hung)
        {
            crash?.Throw();
            return failure;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"the case did not finish within {bound.TotalSeconds:0.#} s: a hang (in the driver or the property), its thread left blocked; seed \"{seed}\"{Environment.NewLine}{Printed(gen, print, seed)}");
    }

    /// <summary>The case <paramref name="seed"/> generates, printed (what CsCheck would have printed on a failure).</summary>
    private static string Printed<T>(Gen<T> gen, Func<T, string> print, string seed)
    {
        try
        {
            return print(gen.Generate(PCG.Parse(seed), null, out _));
        }
        catch (Exception e)
        {
            return $"(the case could not be printed: {e.GetType().Name}: {e.Message})";
        }
    }

    private static string? SampleHere<T>(Gen<T> gen, Action<T> property, Func<T, string> print, string seed, long iter, int seconds)
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

    private static FuzzReport Report(string target, FuzzBudget budget, int cases, Stopwatch clock, string? failure, string? seed, FuzzReach reach) => new()
    {
        Accepted = reach.Accepted,
        Executed = reach.Executed,
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
