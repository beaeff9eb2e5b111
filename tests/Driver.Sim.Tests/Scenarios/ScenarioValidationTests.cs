using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Tests.Scenarios;

public class ScenarioValidationTests
{
    private const string Clients = "\"clients\": [ { \"name\": \"a\", \"contexts\": [ { \"name\": \"c\" } ] } ]";

    private static string WithStep(string step, string extra = "") =>
        $"{{ \"name\": \"t\", {Clients}, \"phases\": [ {{ \"steps\": [ {step} ] }} ]{extra} }}";

    public static TheoryData<string, string, string> Malformed => new()
    {
        // json, the JSON path the message must name, a word of what is wrong
        { "{ \"name\": \"t\", " + Clients + ", \"phases\": [ { \"steps\": [ { \"type\": \"wedge\" } ] } ], \"device\": { \"heartbeatMs\": \"fast\" } }", "$.device.heartbeatMs", "integer" },
        { WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"count\": 10, \"colour\": 3 }"), "$.phases[0].steps[0].colour", "unknown field" },
        { WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"count\": 0 }"), "$.phases[0].steps[0].count", "between 1 and" },
        { WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"count\": 5, \"engines\": [\"rcs0\", \"xcs7\"] }"), "$.phases[0].steps[0].engines[1]", "unknown engine 'xcs7'" },
        { WithStep("{ \"type\": \"hang\", \"client\": \"a\", \"engine\": \"gpu0\" }"), "$.phases[0].steps[0].engine", "unknown engine" },
        { WithStep("{ \"type\": \"bogus\" }"), "$.phases[0].steps[0]", "unknown step type 'bogus'" },
        { WithStep("{ \"client\": \"a\", \"count\": 3 }"), "$.phases[0].steps[0]", "\"type\"" },
        { WithStep("{ \"type\": \"batches\", \"client\": \"nobody\", \"count\": 3 }"), "$.phases[0].steps[0].client", "unknown client 'nobody'" },
        { WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"context\": \"zz\", \"count\": 3 }"), "$.phases[0].steps[0].context", "unknown context 'zz'" },
        { WithStep("{ \"type\": \"hang\", \"client\": \"a\", \"engine\": \"rcs0\", \"spinner\": \"forever\" }"), "$.phases[0].steps[0].spinner", "noPreemption" },
        { WithStep("{ \"type\": \"hang\", \"client\": \"a\", \"engine\": \"rcs0\", \"spinner\": \"plain\" }"), "$.phases[0].steps[0].endAfterMs", "endAfterMs" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"seed\": 1.5"), "$.seed", "integer" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"fences\": { \"errors\": { \"EBOGUS\": 1 } } }"), "$.expect.fences.errors.EBOGUS", "unknown errno" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"fences\": { \"ok\": -1 } }"), "$.expect.fences.ok", "count" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"workloads\": { \"nope\": { \"ok\": 1 } } }"), "$.expect.workloads.nope", "no step" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"resets\": { \"engine\": \"all\" } }"), "$.expect.resets.engine", "\"all\"" },
        { "{ " + Clients + ", \"phases\": [ { \"steps\": [ { \"type\": \"wedge\" } ] } ] }", "$", "missing required field 'name'" },
        { "{ \"name\": \"t\", \"clients\": [ { \"name\": \"a\", \"contexts\": [ { \"name\": \"c\", \"priority\": 5 } ] } ], \"phases\": [ { \"steps\": [ { \"type\": \"wedge\" } ] } ] }", "$.clients[0].contexts[0].priority", "privileged" },
        { "{ \"name\": \"t\",\n " + Clients, "$", "the file ends before the JSON does" },
        { WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"count\": 1000000, \"storesPerBatch\": 4 }", ", \"device\": { \"memoryMb\": 16 }"), "$.phases[0].steps[0].count", "MiB" },
        // Found by the scenario fuzzer: a null list element reached the validator (NullReferenceException).
        { "{ \"name\": \"t\", " + Clients + ", \"phases\": [ { \"steps\": [ { \"type\": \"wedge\" } ] }, null ] }", "$.phases[1]", "must not be null" },
        { WithStep("null"), "$.phases[0].steps[0]", "must not be null" },
        // Found by the scenario fuzzer: null map values reached the validator (NullReferenceException).
        { WithStep("{ \"type\": \"wedge\", \"name\": \"w\" }", ", \"expect\": { \"workloads\": { \"w\": null } }"), "$.expect.workloads.w", "must not be null" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"engines\": { \"rcs0\": null } }"), "$.expect.engines.rcs0", "must not be null" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"fences\": { \"errors\": { \"EIO\": null } } }"), "$.expect.fences.errors.EIO", "must not be null" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"device\": { \"engines\": { \"rcs0\": null } }"), "$.device.engines.rcs0", "must not be null" },
        // Found by the scenario fuzzer: a string where device.engines' object belongs named the CLR Dictionary type.
        { WithStep("{ \"type\": \"wedge\" }", ", \"device\": { \"engines\": \"vulkan\" }"), "$.device.engines", "expected an object" },
        // Two devices sharing buffers (prime-mixed-reset-rules): what the peer, the shared buffers and setDomain refer to.
        { WithStep("{ \"type\": \"wedge\" }", ", \"device\": { \"resetLockingRule\": \"radeon\" }"), "$.device.resetLockingRule", "amdgpu" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"sharedBuffers\": [ { \"name\": \"s\", \"client\": \"a\" } ]"), "$.sharedBuffers[0]", "add \"peer\"" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"peer\": {}, \"sharedBuffers\": [ { \"name\": \"s\", \"client\": \"zz\" } ]"), "$.sharedBuffers[0].client", "unknown client 'zz'" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"peer\": {}, \"sharedBuffers\": [ { \"name\": \"s\", \"client\": \"a\" }, { \"name\": \"s\", \"client\": \"a\" } ]"), "$.sharedBuffers[1].name", "duplicate shared buffer" },
        { WithStep("{ \"type\": \"setDomain\", \"buffer\": \"s\" }", ", \"sharedBuffers\": []"), "$.phases[0].steps[0].device", "no peer device" },
        { WithStep("{ \"type\": \"setDomain\", \"buffer\": \"nope\" }", ", \"peer\": {}"), "$.phases[0].steps[0].buffer", "unknown shared buffer 'nope'" },
        { WithStep("{ \"type\": \"setDomain\", \"buffer\": \"s\", \"device\": \"gpu\" }", ", \"peer\": {}, \"sharedBuffers\": [ { \"name\": \"s\", \"client\": \"a\" } ]"), "$.phases[0].steps[0].device", "\"device\" or \"peer\"" },
        { "{ \"name\": \"t\", \"clients\": [ { \"name\": \"a\" }, { \"name\": \"b\" } ], \"peer\": {}, \"sharedBuffers\": [ { \"name\": \"s\", \"client\": \"b\" } ], \"phases\": [ { \"steps\": [ { \"type\": \"hang\", \"client\": \"a\", \"engine\": \"rcs0\", \"objects\": [\"s\"] } ] } ] }", "$.phases[0].steps[0].objects[0]", "handles are per client" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"expect\": { \"deadlocks\": 1 }"), "$.expect.deadlocks", "deadlockWatchdogMs" },
        { WithStep("{ \"type\": \"wedge\" }", ", \"deadlockWatchdogMs\": 1"), "$.deadlockWatchdogMs", "between 10 and" },
        // ScenarioRunner names an unnamed step "phase<p>.<type><s>": a step given that name explicitly made two workloads
        // of one name in the results, and expect.workloads checked the first of them, the other step.
        { WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"count\": 5 }, { \"type\": \"wedge\", \"name\": \"phase1.batches1\" }",
            ", \"expect\": { \"workloads\": { \"phase1.batches1\": { \"submitted\": 0 } } }"), "$.phases[0].steps[1].name", "duplicate step name" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedScenarioNamesFileFieldAndProblem(string json, string path, string problem)
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, "bad.json"));

        Assert.StartsWith("bad.json", e.Message);
        Assert.Contains(path + ":", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain("   at ", e.Message);
        Assert.DoesNotContain("System.", e.Message);
    }

    [Fact]
    public void EveryProblemIsReportedNotJustTheFirst()
    {
        string json = WithStep("{ \"type\": \"batches\", \"client\": \"a\", \"count\": 0, \"storesPerBatch\": 99, \"engines\": [\"zz\"] }");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, "bad.json"));

        Assert.Equal(3, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.Path == "$.phases[0].steps[0].count");
        Assert.Contains(e.Errors, x => x.Path == "$.phases[0].steps[0].storesPerBatch");
        Assert.Contains(e.Errors, x => x.Path == "$.phases[0].steps[0].engines[0]");
    }

    [Fact]
    public void MissingFileIsAScenarioError()
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile("/nonexistent/gpusim.json"));

        Assert.Contains("/nonexistent/gpusim.json", e.Message);
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void ValidScenarioWithEveryStepTypeLoads()
    {
        string json = $$"""
            {
              "$schema": "./scenario.schema.json",
              "name": "all-steps", "seed": 3, "drainTimeoutMs": 5000,
              "device": { "heartbeatMs": 100, "preemptTimeoutMs": 50, "engineReset": true, "fullReset": true,
                          "wedgeStrategy": "stop-machine", "banWindowMs": 1000, "hangsToBan": 2, "captureErrorState": true,
                          "wedgeTimeoutMs": 5000, "memoryMb": 64 },
              "clients": [ { "name": "a", "privileged": true,
                             "contexts": [ { "name": "c", "bannable": false, "recoverable": true, "persistent": true, "priority": 10 } ] } ],
              "phases": [ { "name": "p", "waitIdle": true, "steps": [
                { "type": "batches", "name": "b", "client": "a", "context": "c", "count": 3, "engines": ["rcs0", "ccs0"],
                  "distribution": "random", "storesPerBatch": 1, "dependsOnPrevious": "cross-engine", "workNs": 10, "maxInFlight": 2 },
                { "type": "hang", "client": "a", "engine": "bcs0", "spinner": "plain", "endAfterMs": 10, "count": 1, "waitStarted": false, "waitDone": true },
                { "type": "sleep", "ms": 1, "client": "a" },
                { "type": "reset", "engines": ["vcs0"] },
                { "type": "reset", "full": true },
                { "type": "wedge" },
                { "type": "unwedge" } ] } ],
              "expect": {
                "fences": { "submitted": { "min": 1 }, "ok": "all", "errors": { "EIO": 0 }, "allowedErrors": [], "unsignaled": 0, "rejected": { "EIO": 0 } },
                "engines": { "rcs0": { "requests": { "max": 3 }, "resets": 0 } },
                "resets": { "engine": 1, "full": { "min": 1 }, "failed": 0 },
                "wedged": false, "wedgeEvents": 1, "errorStates": { "min": 0 },
                "checks": { "storesVerified": 3, "storesMismatched": 0, "storesSkipped": 0 },
                "contexts": [ { "client": "a", "context": "c", "banned": false, "guilty": 0, "innocent": { "max": 1 } } ],
                "workloads": { "b": { "ok": "all" } }
              }
            }
            """;

        Scenario s = ScenarioLoader.Parse(json, "ok.json");

        Assert.Equal("all-steps", s.Name);
        Assert.Equal(7, s.Phases[0].Steps.Count);
        Assert.True(s.Expect!.Fences!.Ok!.IsAll);
    }
}
