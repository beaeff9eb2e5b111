using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Sim.Results;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;

namespace Driver.Sim.Runner;

/// <summary>Assembles the <see cref="RunResult"/> from the step trackers, the store tally and the device's counters.</summary>
internal static class ResultBuilder
{
    /// <summary>Builds the result (fence statuses already snapshotted, stores verified).</summary>
    public static RunResult Build(Scenario scenario, int seed, TimeSpan duration, RunSession session,
        IReadOnlyList<IStepRunner> runners, StoreTally tally)
    {
        GpuDevice dev = session.Device;
        WorkloadResult[] workloads = runners.Select(r => r.Tracker.ToResult()).ToArray();
        FenceCounts fences = Sum(workloads.Select(w => w.Fences));

        int[] requests = new int[EngineIds.Count];
        foreach (IStepRunner r in runners)
        {
            foreach (EngineId e in r.Tracker.Engines)
            {
                requests[(int)e]++;
            }
        }

        var engines = EngineIds.All.ToDictionary(e => e.Name(), e => new EngineCounts(requests[(int)e], dev.Reset.EngineResetCount(e.Class())));

        var contexts = new List<ContextResult>();
        var clients = dev.Clients.ToDictionary(c => c.Id);
        foreach (ClientSpec spec in scenario.Clients)
        {
            ClientHandle handle = session.Clients[spec.Name];
            foreach ((string? name, int id) in handle.Contexts.OrderBy(kv => kv.Value))
            {
                GpuContext ctx = clients[handle.Id].GetContext(id);
                contexts.Add(new ContextResult(spec.Name, name, id, ctx.GuiltyCount, ctx.InnocentCount, ctx.IsBanned));
            }
        }

        StoreChecks checks = tally.ToChecks();
        var result = new RunResult
        {
            Scenario = scenario.Name,
            Seed = seed,
            DurationMs = Math.Round(duration.TotalMilliseconds, 3),
            RequestsPerSecond = duration > TimeSpan.Zero ? Math.Round(fences.Submitted / duration.TotalSeconds, 1) : 0,
            Fences = fences,
            Engines = engines,
            Resets = new ResetCounts(dev.Reset.TotalEngineResets, dev.Reset.ResetCount, dev.Reset.FailedResets),
            Wedged = dev.IsWedged,
            Checks = checks,
            Contexts = contexts,
            ErrorStates = dev.Reset.ErrorStates.TotalCaptured,
            WedgeEvents = dev.Reset.WedgeCount,
            Workloads = workloads,
            ErrorStateDumps = dev.Reset.ErrorStates.First is { } first ? [first.ToText()] : [],
            Passed = false,
            Deadlocks = Snapshot(session.Deadlocks),
        };
        ExpectResult? expect = scenario.Expect is { } expectSpec ? ExpectationChecker.Check(expectSpec, result) : null;
        bool passed = fences.Unsignaled == 0 && checks.StoresMismatched == 0 && checks.StoresStray == 0 && expect?.Passed != false;
        return result with { Expect = expect, Passed = passed };
    }

    private static string[] Snapshot(List<string> deadlocks)
    {
        lock (deadlocks)
        {
            return deadlocks.ToArray();
        }
    }

    private static FenceCounts Sum(IEnumerable<FenceCounts> parts)
    {
        int submitted = 0, ok = 0, unsignaled = 0;
        var errors = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var rejected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (FenceCounts p in parts)
        {
            submitted += p.Submitted;
            ok += p.Ok;
            unsignaled += p.Unsignaled;
            foreach ((string? k, int v) in p.Errors)
            {
                errors[k] = errors.GetValueOrDefault(k) + v;
            }

            foreach ((string? k, int v) in p.Rejected)
            {
                rejected[k] = rejected.GetValueOrDefault(k) + v;
            }
        }
        return new FenceCounts { Submitted = submitted, Ok = ok, Errors = errors, Unsignaled = unsignaled, Rejected = rejected };
    }
}
