using System.Diagnostics;
using System.Text.Json;
using Driver.Sim.Cli;
using Driver.Sim.Soak;
using Driver.Sim.Tests.Scenarios;
using Driver.Uapi;

namespace Driver.Sim.Tests.Soak;

/// <summary>
/// The soak's bounds (issue 18, item 4): a thread's join bound counts from the stop request, not the start, so a soak
/// runs as long as asked; a thread that really does not stop is a deadlock report, and nothing is torn down under it.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class SoakRunnerTests
{
    [Fact]
    public void ASoakLongerThanItsJoinBoundFinishesWithoutAFalseReport()
    {
        // The old runner counted the join bound from the start: with a 2 s bound, a 5 s soak's threads "did not
        // finish in time" and were torn down while still submitting.
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(5),
            JoinBound = TimeSpan.FromSeconds(2),
            Seed = 11,
            Threads = 2,
        };

        SoakResult result = new SoakRunner(options).Run();

        string samples = string.Join("\n", result.ViolationSamples);
        Assert.DoesNotContain("did not finish", samples);
        Assert.DoesNotContain("CONTEXT_CREATE", samples);
        Assert.DoesNotContain("cannot read the target object", samples);
        Assert.Equal(0, result.Deadlocks);
        Assert.True(result.Passed, samples);
        Assert.True(result.Seconds >= 5, $"ran {result.Seconds} s");
        Assert.Null(result.Abandoned);
    }

    [Fact]
    public void AThreadStuckPastItsBoundIsADeadlockReportAndNothingIsTornDownUnderIt()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var after = new ManualResetEventSlim();
        int createAfterRelease = int.MinValue;
        Exception? afterFailure = null;
        int calls = 0;
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromMilliseconds(300),
            JoinBound = TimeSpan.FromMilliseconds(500),
            WatchdogBound = TimeSpan.FromHours(1),
            Seed = 5,
            Threads = 1,
            // Submitter 0 gets stuck before its first round until the test lets it go; then it uses the device, which
            // must still be there with its client open.
            BeforeRound = (device, index) =>
            {
                if (Interlocked.Increment(ref calls) != 1)
                {
                    return;
                }

                entered.Set();
                release.Wait(TimeSpan.FromSeconds(60));
                try
                {
                    device.OpenClient(out int client, name: "after-release");
                    createAfterRelease = device.CreateContext(client, out _);
                }
                catch (Exception e)
                {
                    afterFailure = e;
                }

                after.Set();
            },
        };

        SoakResult result = new SoakRunner(options).Run();
        try
        {
            Assert.True(entered.IsSet);
            Assert.False(result.Passed);
            Assert.Equal(1, result.Deadlocks);
            Assert.Contains(result.ViolationSamples, s => s.Contains("soak-0 did not finish within 0.5 s of the stop request", StringComparison.Ordinal));
            Assert.NotNull(result.DeadlockState);
            Assert.Contains("engines:", result.DeadlockState);
            Assert.Contains("rcs0:", result.DeadlockState);
            Assert.Contains("clients:", result.DeadlockState);
            Assert.Contains("reset flags:", result.DeadlockState);
            Assert.NotNull(result.Abandoned);

            release.Set();
            Assert.True(after.Wait(TimeSpan.FromSeconds(30)), "the released thread did not get to use the device");
            Assert.Null(afterFailure);
            Assert.Equal(0, createAfterRelease);
        }
        finally
        {
            release.Set();
            after.Wait(TimeSpan.FromSeconds(30));
            result.Abandoned?.Dispose();
        }
    }

    [Fact]
    public void ASoakThatVerifiedNoStoreFailsInsteadOfPassingVacuously()
    {
        // A device that never comes back from a wedge (every full reset, the unwedge's included, fails): every
        // CONTEXT_CREATE and execbuf is refused with -EIO, which the audit accepts as "wedged", so not a single batch
        // runs. A soak that checked nothing must not report the invariant as held (a probe that found nothing to test
        // is a failure, as i915's selftests treat a live test that submitted no request).
        int wedged = 0;
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(1),
            DrainTimeout = TimeSpan.FromSeconds(5),
            Seed = 7,
            Threads = 1,
            BeforeRound = (device, _) =>
            {
                if (Interlocked.Exchange(ref wedged, 1) == 0)
                {
                    device.Reset.Faults.FailFullResets(int.MaxValue);
                    device.Wedge("test: a device that never comes back");
                }
            },
        };

        SoakResult result = new SoakRunner(options).Run();

        Assert.Equal(0, result.StoresVerified);
        Assert.False(result.Passed, $"a soak that verified {result.StoresVerified} stores of {result.Batches} batches passed");
        Assert.Contains(result.ViolationSamples, s => s.Contains("verified no store", StringComparison.Ordinal));
    }

    [Fact]
    public void ASoakThatEndsWithTheDeviceStillWedgedFails()
    {
        // After its drain the soak unwedges the device (intel_gt_unset_wedged, as IGT's gem_eio does after every
        // wedge): recovery that cannot bring the device back (here every full reset fails from the second round on)
        // leaves it unusable, and the run must not end "invariant: held", exit 0, with WEDGED at the end.
        int rounds = 0;
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(1.5),
            DrainTimeout = TimeSpan.FromSeconds(5),
            Seed = 9,
            Threads = 1,
            BeforeRound = (device, _) =>
            {
                if (Interlocked.Increment(ref rounds) == 2)
                {
                    device.Reset.Faults.FailFullResets(int.MaxValue);
                    device.Wedge("test: recovery that never brings the device back");
                }
            },
        };

        SoakResult result = new SoakRunner(options).Run();

        Assert.True(result.WedgedAtEnd);
        Assert.False(result.Passed, $"the soak passed with the device wedged at the end: {string.Join("; ", result.ViolationSamples)}");
        Assert.Contains(result.ViolationSamples, s => s.Contains("still wedged after the drain", StringComparison.Ordinal));
    }

    [Fact]
    public void TheWatchdogFiresOnlyWhenWorkIsOutstandingAndNothingMovesForItsBound()
    {
        long progress = 0, outstanding = 0;
        var watchdog = new SoakWatchdog(TimeSpan.FromSeconds(1), () => progress, () => outstanding);
        long s = Stopwatch.Frequency;

        Assert.False(watchdog.Stalled(0));
        Assert.False(watchdog.Stalled(10 * s)); // idle: nothing outstanding
        outstanding = 3;
        Assert.False(watchdog.Stalled(10 * s));
        Assert.False(watchdog.Stalled(10 * s + s / 2));
        progress = 1;
        Assert.False(watchdog.Stalled(11 * s + s / 2)); // moved
        Assert.False(watchdog.Stalled(12 * s + s / 2 - 1));
        Assert.True(watchdog.Stalled(12 * s + s / 2 + 1));
        Assert.Equal(1.0, watchdog.SecondsStalled(12 * s + s / 2), 3);
    }

    [Fact]
    public void TheStateDumpNamesEveryEngineClientAndTheResetFlags()
    {
        using var device = new GpuDevice(DeviceConfig.Fast());
        device.OpenClient(out _, name: "dumped");

        string state = SoakStateDump.Describe(device);

        foreach (string engine in new[] { "rcs0", "bcs0", "vcs0", "vecs0", "ccs0" })
        {
            Assert.Contains($"  {engine}: submitted ", state);
        }

        Assert.Contains("dumped (id ", state);
        Assert.Contains("reset flags: wedged no, backoff no", state);
    }

    [Fact]
    public void TheJsonHasTheWatchedTotals()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gpusim-soak-{Guid.NewGuid():N}.json");
        var stdout = new StringWriter();
        try
        {
            int code = SoakCommand.Execute(new SoakSettings { Seconds = 2, Seed = 3, Threads = 1, Quiet = true, JsonPath = path }, stdout, new StringWriter());

            Assert.True(code == ExitCodes.Ok, stdout.ToString());
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = json.RootElement;
            foreach (string key in new[] { "violations", "lostFences", "deadlocks", "lockdepReports" })
            {
                Assert.Equal(0, root.GetProperty(key).GetInt64());
            }

            Assert.Equal(JsonValueKind.Number, root.GetProperty("heapGrowthBytes").ValueKind);
            Assert.True(root.GetProperty("mmapAccesses").GetInt64() > 0);
            Assert.Contains("lost fences", stdout.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
