using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;
using Driver.Fuzz;
using Driver.Uapi;

namespace Driver.Sim.Fuzz;

/// <summary>
/// The scenario fuzzer's property: a mutated shipped scenario fed to <see cref="ScenarioLoader.Parse"/> either loads
/// or fails with a <see cref="ScenarioException"/> whose message is a clear one (no stack trace, no .NET type names),
/// never another exception; a valid one that is cheap enough (<see cref="Runnable"/>) is run with a short drain and
/// may fail only the way <c>gpusim run</c> reports as a finding about the scenario (<see cref="ScenarioRunException"/>) and
/// must finish within <see cref="RunBound"/>, with every ok or -EAGAIN batch's stores landed and none stray.
/// </summary>
public sealed class ScenarioProperty(ScenarioCorpus corpus)
{
    /// <summary>Drain of a fuzzed run (scenarios ask for up to a minute).</summary>
    public const int DrainMs = 1500;

    /// <summary>How long a fuzzed run may take before it counts as stuck.</summary>
    public static readonly TimeSpan RunBound = TimeSpan.FromSeconds(30);

    /// <summary>The corpus.</summary>
    public ScenarioCorpus Corpus { get; } = corpus;

    /// <summary>Tests only: called on a fuzzed run's device after its drain, before its checks (a broken driver's stand-in).</summary>
    internal Action<GpuDevice>? BeforeVerify { get; init; }

    /// <summary>The mutated text of <paramref name="c"/>.</summary>
    public string Text(ScenarioCase c) => ScenarioMutator.Apply(Corpus.Files[c.Source % Corpus.Files.Count].Json, c.Mutations);

    /// <summary>Runs <paramref name="c"/>; throws <see cref="FuzzViolationException"/> on a problem.</summary>
    public void Run(ScenarioCase c)
    {
        string name = Corpus.Files[c.Source % Corpus.Files.Count].Name;
        Scenario scenario;
        try
        {
            scenario = ScenarioLoader.Parse(Text(c), name);
        }
        catch (ScenarioException e)
        {
            if (Unclear(e.Message) is { } why)
            {
                throw new FuzzViolationException([$"unclear scenario error ({why}): {e.Message}"]);
            }

            return;
        }
        catch (Exception e)
        {
            throw new FuzzViolationException([$"the loader threw {e.GetType().Name} instead of a scenario error: {e.Message}{Environment.NewLine}{e.StackTrace}"]);
        }

        if (Runnable(scenario))
        {
            RunBounded(scenario with { DrainTimeoutMs = Math.Min(scenario.DrainTimeoutMs, DrainMs) });
        }
    }

    /// <summary>
    /// Whether a valid scenario is cheap enough to run in a fuzz case: few requests, little work and sleep, no Vulkan
    /// (the probe is slow and the machine may have none).
    /// </summary>
    public static bool Runnable(Scenario s)
    {
        StepSpec[] steps = s.Phases.SelectMany(p => p.Steps).ToArray();
        long batches = steps.OfType<BatchesStep>().Sum(b => (long)b.Count);
        double workMs = steps.OfType<BatchesStep>().Sum(b => (double)b.Count * b.WorkNs / 1e6);
        long sleepMs = steps.OfType<SleepStep>().Sum(st => (long)st.Ms);
        long hangs = steps.OfType<HangStep>().Sum(h => (long)h.Count);
        bool longHang = steps.OfType<HangStep>().Any(h => h.EndAfterMs > 500);
        return batches <= 3000 && workMs <= 300 && sleepMs <= 300 && hangs <= 4 && !longHang
            && s.Device?.Engines is not { Count: > 0 } && s.Device?.VkDevice is null && s.Clients.Count <= 16;
    }

    private void RunBounded(Scenario scenario)
    {
        Exception? thrown = null;
        RunResult? result = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = new ScenarioRunner(scenario, new RunOptions { BeforeVerify = BeforeVerify }).Run();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        })
        { Name = "scenario-fuzz", IsBackground = true };
        thread.Start();
        if (!thread.Join(RunBound))
        {
            throw new FuzzViolationException([$"the run of the valid scenario did not finish within {RunBound.TotalSeconds:0} s"]);
        }
        // What gpusim run reports as "the run could not be completed" (exit 1: the driver refused a step's setup,
        // ScenarioRunException, alone or gathered from a phase's threads) is a finding about the scenario, fine here.
        // Any other exception, an InvalidOperationException included, is the driver's or the runner's bug.
        if (thrown is not null && !ScenarioRefused(thrown))
        {
            throw new FuzzViolationException([$"the run threw {thrown.GetType().Name}: {thrown.Message}{Environment.NewLine}{thrown.StackTrace}"]);
        }
        // What the run reached: the execbufs it got accepted, and those whose batch completed without error (a
        // conservative count of executed ones), so that a run of mutated scenarios that never gets a batch through
        // fails with FuzzBudget.RequireExecution instead of passing vacuously.
        if (result is { Fences: { } fences })
        {
            FuzzReach.Current?.Count(fences.Submitted, fences.Ok);
        }

        // The run's own store checks are the driver's invariant, not the scenario's: whatever a mutation did to the
        // expectations, an ok or -EAGAIN batch's stores must be in memory and no dword no batch targets written
        // (what makes gpusim run fail). Unsignaled fences are left to the scenario: the drain is cut to DrainMs.
        if (result is { Checks: { } checks } && (checks.StoresMismatched > 0 || checks.StoresStray > 0))
        {
            throw new FuzzViolationException([$"the run's stores: {checks.StoresMismatched} mismatched, {checks.StoresStray} stray " +
                $"({string.Join("; ", checks.Samples.Take(3))})"]);
        }
    }

    /// <summary>Whether <paramref name="e"/> is only the scenario layer's own refusal(s) (<see cref="ScenarioRunException"/>).</summary>
    private static bool ScenarioRefused(Exception e) =>
        e is ScenarioRunException
        || e is AggregateException a && a.Flatten().InnerExceptions is { Count: > 0 } inner && inner.All(x => x is ScenarioRunException);

    /// <summary>Why a scenario error's message is not one for a user, or null when it is.</summary>
    public static string? Unclear(string message) =>
        string.IsNullOrWhiteSpace(message) ? "empty"
        : message.Contains("   at ", StringComparison.Ordinal) ? "a stack trace"
        : message.Contains("System.", StringComparison.Ordinal) ? "a .NET type name"
        : message.Contains("Exception", StringComparison.Ordinal) ? "an exception name"
        : null;
}
