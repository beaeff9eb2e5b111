using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Tests.Scenarios;

/// <summary>
/// "all" in an expectation claims something about every submission of its scope; with nothing in scope it claims
/// nothing, and must not pass as if the work had been checked.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class ExpectationScopeTests
{
    [Fact]
    public void AllOverNoSubmissionFailsInsteadOfPassingVacuously()
    {
        // i915_gem_do_execbuffer on a wedged GPU: -EIO, no fence. Every batch of "after" is refused, so
        // "ok": "all" ("every batch of this step completed fine") is false, and a step that submits nothing
        // (a sleep) cannot have "all" of its fences fail with -EIO.
        const string Json = """
            {
              "name": "all-of-nothing",
              "clients": [ { "name": "app" } ],
              "phases": [
                { "steps": [ { "type": "wedge", "name": "wedge" } ] },
                { "steps": [ { "type": "batches", "name": "after", "client": "app", "count": 10, "engines": ["rcs0"] },
                             { "type": "sleep", "name": "nap", "ms": 1 } ] }
              ],
              "expect": { "workloads": { "after": { "ok": "all" }, "nap": { "errors": { "EIO": "all" } } } }
            }
            """;
        Scenario scenario = ScenarioLoader.Parse(Json, "all-of-nothing.json");

        RunResult r = new ScenarioRunner(scenario).Run();

        WorkloadResult after = r.Workloads.Single(w => w.Name == "after");
        Assert.Equal(0, after.Fences.Submitted);
        Assert.Equal(10, after.Fences.RejectedCount("EIO"));
        Assert.False(r.Expect!.Passed, "\"ok\": \"all\" passed over a step whose every execbuf was refused");
        Assert.Contains(r.Expect.Failures, f => f.StartsWith("$.expect.workloads.after.ok:", StringComparison.Ordinal));
        Assert.Contains(r.Expect.Failures, f => f.StartsWith("$.expect.workloads.nap.errors.EIO:", StringComparison.Ordinal));
        Assert.False(r.Passed);
    }

    [Fact]
    public void OkAllFailsWhenPartOfTheStepsExecbufsWereRefused()
    {
        // A driver that refuses every tenth execbuf (ENOSPC) passed scenarios/unwedge.json: "after": {"ok": "all"}
        // compared the ok fences with the fences returned, not with the batches the step tried to submit.
        var fences = new FenceCounts
        {
            Submitted = 90,
            Ok = 90,
            Rejected = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["ENOSPC"] = 10 },
        };
        ExpectSpec expect = new()
        {
            Workloads = new Dictionary<string, FenceExpect> { ["after"] = new() { Ok = new CountRange { IsAll = true } } },
        };

        ExpectResult r = ExpectationChecker.Check(expect, Result(fences, new WorkloadResult { Name = "after", Type = "batches", Fences = fences }));

        Assert.False(r.Passed, "\"ok\": \"all\" passed with 10 of 100 execbufs refused");
        Assert.Contains(r.Failures, f => f.StartsWith("$.expect.workloads.after.ok:", StringComparison.Ordinal));
    }

    private static RunResult Result(FenceCounts fences, WorkloadResult workload) => new()
    {
        Scenario = "checker",
        Seed = 1,
        DurationMs = 1,
        RequestsPerSecond = 1,
        Fences = fences,
        Engines = new Dictionary<string, EngineCounts>(),
        Resets = new ResetCounts(0, 0, 0),
        Wedged = false,
        Checks = new StoreChecks(),
        Contexts = [],
        ErrorStates = 0,
        WedgeEvents = 0,
        Workloads = [workload],
        Passed = false,
    };
}
