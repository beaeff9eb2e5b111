using Driver.Sim.Results;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Runner;

/// <summary>Checks a scenario's <c>expect</c> section against a run's results; each failure names its JSON path.</summary>
public static class ExpectationChecker
{
    /// <summary>Checks <paramref name="expect"/> against <paramref name="result"/>.</summary>
    public static ExpectResult Check(ExpectSpec expect, RunResult result)
    {
        var c = new Checker();
        if (expect.Fences is { } f)
        {
            c.Fences("$.expect.fences", f, result.Fences);
        }

        foreach ((string? engine, EngineExpect? e) in expect.Engines ?? new Dictionary<string, EngineExpect>())
        {
            string path = $"$.expect.engines.{engine}";
            if (!result.Engines.TryGetValue(engine, out EngineCounts? counts)) { c.Fail(path, $"no engine '{engine}' in the results"); continue; }
            c.Count($"{path}.requests", e.Requests, counts.Requests);
            c.Count($"{path}.resets", e.Resets, counts.Resets);
        }
        if (expect.Resets is { } r)
        {
            c.Count("$.expect.resets.engine", r.Engine, result.Resets.Engine);
            c.Count("$.expect.resets.full", r.Full, result.Resets.Full);
            c.Count("$.expect.resets.failed", r.Failed, result.Resets.Failed);
        }
        if (expect.Wedged is { } wedged)
        {
            c.Equal("$.expect.wedged", wedged, result.Wedged);
        }

        c.Count("$.expect.wedgeEvents", expect.WedgeEvents, result.WedgeEvents);
        c.Count("$.expect.errorStates", expect.ErrorStates, result.ErrorStates);
        if (expect.Checks is { } k)
        {
            c.Count("$.expect.checks.storesVerified", k.StoresVerified, result.Checks.StoresVerified);
            c.Count("$.expect.checks.storesMismatched", k.StoresMismatched, result.Checks.StoresMismatched);
            c.Count("$.expect.checks.storesSkipped", k.StoresSkipped, result.Checks.StoresSkipped);
        }
        for (int i = 0; i < (expect.Contexts?.Count ?? 0); i++)
        {
            ContextExpect e = expect.Contexts![i];
            string path = $"$.expect.contexts[{i}]";
            ContextResult? ctx = result.Contexts.FirstOrDefault(x => x.Client == e.Client && x.Name == e.Context);
            if (ctx is null) { c.Fail(path, $"no context {e.Client}/{e.Context} in the results"); continue; }
            if (e.Banned is { } banned)
            {
                c.Equal($"{path}.banned", banned, ctx.Banned);
            }

            c.Count($"{path}.guilty", e.Guilty, ctx.Guilty);
            c.Count($"{path}.innocent", e.Innocent, ctx.Innocent);
        }
        c.Count("$.expect.deadlocks", expect.Deadlocks, result.Deadlocks.Count);
        for (int i = 0; i < (expect.DeadlockReport?.Count ?? 0); i++)
        {
            string text = expect.DeadlockReport![i];
            if (result.Deadlocks.Count == 0)
            {
                c.Fail($"$.expect.deadlockReport[{i}]", $"expected a deadlock report containing '{text}', the watchdog reported none");
                continue;
            }

            string? missing = result.Deadlocks.FirstOrDefault(r => !r.Contains(text, StringComparison.Ordinal));
            if (missing is not null)
            {
                c.Fail($"$.expect.deadlockReport[{i}]", $"the deadlock report does not contain '{text}':\n{missing}");
            }
            else
            {
                c.Pass();
            }
        }

        foreach ((string? name, FenceExpect? w) in expect.Workloads ?? new Dictionary<string, FenceExpect>())
        {
            string path = $"$.expect.workloads.{name}";
            WorkloadResult? workload = result.Workloads.FirstOrDefault(x => x.Name == name);
            if (workload is null)
            {
                c.Fail(path, $"no step named '{name}' in the results");
            }
            else
            {
                c.Fences(path, w, workload.Fences);
            }
        }
        return new ExpectResult { Passed = c.Failures.Count == 0, Checked = c.Checked, Failures = c.Failures };
    }

    private sealed class Checker
    {
        public List<string> Failures { get; } = new();
        public int Checked { get; private set; }

        public void Fail(string path, string message)
        {
            Checked++;
            Failures.Add($"{path}: {message}");
        }

        public void Pass() => Checked++;

        public void Equal(string path, bool expected, bool actual)
        {
            Checked++;
            if (expected != actual)
            {
                Failures.Add($"{path}: expected {Lower(expected)}, got {Lower(actual)}");
            }
        }

        public void Count(string path, CountRange? expected, long actual, long all = 0)
        {
            if (expected is null)
            {
                return;
            }

            Checked++;
            if (!expected.Matches(actual, all))
            {
                Failures.Add($"{path}: expected {expected.Describe(all)}, got {actual}");
            }
        }

        public void Fences(string path, FenceExpect e, FenceCounts actual)
        {
            Count($"{path}.submitted", e.Submitted, actual.Submitted, actual.Attempted);
            // "ok": "all" claims every batch of the scope completed fine: an execbuf refused (no fence at all) is not
            // fine, so the scope is the attempts, not only the fences returned.
            Count($"{path}.ok", e.Ok, actual.Ok, actual.Attempted);
            Count($"{path}.unsignaled", e.Unsignaled, actual.Unsignaled, actual.Submitted);
            foreach ((string? errno, CountRange? range) in e.Errors ?? new Dictionary<string, CountRange>())
            {
                Count($"{path}.errors.{errno}", range, actual.ErrorCount(errno), actual.Submitted);
            }

            foreach ((string? errno, CountRange? range) in e.Rejected ?? new Dictionary<string, CountRange>())
            {
                Count($"{path}.rejected.{errno}", range, actual.RejectedCount(errno), actual.Attempted);
            }

            if (e.AllowedErrors is { } allowed)
            {
                Checked++;
                string[] other = actual.Errors.Where(kv => kv.Value > 0 && !allowed.Contains(kv.Key)).Select(kv => $"{kv.Key} ×{kv.Value}").ToArray();
                if (other.Length > 0)
                {
                    Failures.Add($"{path}.allowedErrors: only {string.Join(", ", allowed)} allowed, got {string.Join(", ", other)}");
                }
            }
        }

        private static string Lower(bool b) => b ? "true" : "false";
    }
}
