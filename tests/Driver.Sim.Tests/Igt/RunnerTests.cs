using System.Text.Json;
using Driver.Igt;
using Driver.Igt.Subtests;
using Driver.Sim.Igt;

namespace Driver.Sim.Tests.Igt;

/// <summary>
/// The runner and <c>gpusim igt</c> on a test-only catalog of fake subtests: listing, globbing, exit codes,
/// IGT's console messages, dynamic subtests, the results.json layout, and the dmesg-warn mapping.
/// </summary>
public sealed class RunnerTests
{
    private static IgtSubtest Sub(string binary, string name, Action<IgtContext> body, IgtExpectations expect = IgtExpectations.None) =>
        new(binary, name, body, expect);

    /// <summary>A container of dynamic subtests (igt_subtest_with_dynamic).</summary>
    private static IgtSubtest Container(string binary, string name, Action<IgtContext> body) => new(binary, name, body, WithDynamic: true);

    private static readonly IgtCatalog s_fakes = new(
    [
        Sub("fake_a", "pass", _ => { }),
        Sub("fake_a", "pass-too", t => t.Info("hello from pass-too")),
        Sub("fake_a", "skip", t => t.Require(1 + 1 == 3)),
        Sub("fake_b", "fail", t => { t.Info("about to fail"); t.AssertEq(1 + 1, 3); }),
        Sub("fake_b", "crash", _ => throw new InvalidOperationException("boom")),
    ]);

    private static (int Exit, string Out, string Err) Run(IgtCatalog catalog, IgtCommandOptions options)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = IgtCommand.Run(catalog, options, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static (IgtRunResult Result, string Out, string Err) RunAll(params IgtSubtest[] subtests)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        IgtRunResult result = new IgtRunner(new IgtRunOptions { PerTestTimeout = TimeSpan.FromSeconds(30) }, stdout, stderr).Run(subtests);
        return (result, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void ListSubtestsPrintsFullNamesInOrder()
    {
        (int exit, string? output, string _) = Run(s_fakes, new IgtCommandOptions { ListSubtests = true });
        Assert.Equal(IgtExitCode.Success, exit);
        Assert.Equal(["igt@fake_a@pass", "igt@fake_a@pass-too", "igt@fake_a@skip", "igt@fake_b@fail", "igt@fake_b@crash"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("fake_a@*", new[] { "igt@fake_a@pass", "igt@fake_a@pass-too", "igt@fake_a@skip" })]
    [InlineData("*@pass*", new[] { "igt@fake_a@pass", "igt@fake_a@pass-too" })]
    [InlineData("fake_?@crash", new[] { "igt@fake_b@crash" })]
    [InlineData("igt@fake_b@f*", new[] { "igt@fake_b@fail" })]
    [InlineData("fake_a@skip,fake_b@fail", new[] { "igt@fake_a@skip", "igt@fake_b@fail" })]
    [InlineData("fake_a@pas", new string[0])]
    // uwildmat (lib/uwildmat, what igt_core matches --run-subtest and --dynamic-subtest with): '!' negates, the last
    // matching pattern decides; [...] is a character class, [^...] its complement; '\' escapes.
    [InlineData("*,!fake_a@*", new[] { "igt@fake_b@fail", "igt@fake_b@crash" })]
    [InlineData("fake_a@pass*,!*too", new[] { "igt@fake_a@pass" })]
    [InlineData("!fake_a@pass,fake_a@*", new[] { "igt@fake_a@pass", "igt@fake_a@pass-too", "igt@fake_a@skip" })]
    [InlineData("fake_[ab]@[fs]*", new[] { "igt@fake_a@skip", "igt@fake_b@fail" })]
    [InlineData("fake_[^a]@*", new[] { "igt@fake_b@fail", "igt@fake_b@crash" })]
    [InlineData("fake_b@\\crash", new[] { "igt@fake_b@crash" })]
    public void RunSubtestGlobsMatchShortAndFullNames(string glob, string[] expected) =>
        Assert.Equal(expected, s_fakes.Match(glob).Select(s => s.FullName));

    [Fact]
    public void UnknownSubtestExitsInvalid()
    {
        (int exit, string _, string? err) = Run(s_fakes, new IgtCommandOptions { RunSubtest = "fake_c@*" });
        Assert.Equal(IgtExitCode.Invalid, exit);
        Assert.Contains("Unknown subtest: fake_c@*", err);
    }

    [Theory]
    [InlineData("fake_a@pass*", IgtExitCode.Success)]
    [InlineData("fake_a@*", IgtExitCode.Success)]
    [InlineData("fake_a@skip", IgtExitCode.Skip)]
    [InlineData("fake_b@fail", IgtExitCode.Failure)]
    [InlineData("fake_b@crash", IgtExitCode.Failure)]
    [InlineData("*", IgtExitCode.Failure)]
    public void ExitCodes(string glob, int expected) =>
        Assert.Equal(expected, Run(s_fakes, new IgtCommandOptions { RunSubtest = glob }).Exit);

    [Fact]
    public void SuccessOutputHasBannerProgressAndTimedResults()
    {
        (int _, string? output, string? err) = Run(s_fakes, new IgtCommandOptions { RunSubtest = "fake_a@pass*" });
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("[001/002] fake_a (pass)", lines[0]);
        Assert.Matches(@"^IGT-Version: 1\.28-gpusim \(\S+\) \(\S+: \S+ \S+\)$", lines[1]);
        Assert.Equal("Starting subtest: pass", lines[2]);
        Assert.Matches(@"^Subtest pass: SUCCESS \(\d+\.\d{3}s\)$", lines[3]);
        Assert.Equal("[002/002] fake_a (pass-too)", lines[4]);
        Assert.Equal("Starting subtest: pass-too", lines[5]);
        Assert.Equal("hello from pass-too", lines[6]);
        Assert.Matches(@"^Subtest pass-too: SUCCESS \(\d+\.\d{3}s\)$", lines[7]);
        Assert.Equal("", err);
    }

    [Fact]
    public void FailurePrintsAssertionLocationExpressionAndDebugLog()
    {
        (int exit, string? output, string? err) = Run(s_fakes, new IgtCommandOptions { RunSubtest = "fake_b@fail" });
        Assert.Equal(IgtExitCode.Failure, exit);
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string prefix = $"(fake_b:{Environment.ProcessId}) CRITICAL: ";
        Assert.Matches(@"^\(fake_b:\d+\) CRITICAL: Test assertion failure function \S+, file \S*RunnerTests\.cs:\d+:$", lines[0]);
        Assert.EndsWith("RunnerTests.cs:" + LineOf("t.AssertEq(1 + 1, 3)") + ":", lines[0]);
        Assert.Equal(prefix + "Failed assertion: 1 + 1 == 3", lines[1]);
        Assert.Equal(prefix + "error: 2 != 3", lines[2]);
        Assert.Equal("Subtest fail failed.", lines[3]);
        Assert.Equal("**** DEBUG ****", lines[4]);
        Assert.Contains(lines, l => l.EndsWith("INFO: about to fail", StringComparison.Ordinal));
        Assert.Equal("****  END  ****", lines[^1]);
        Assert.Contains("about to fail\n", output);
        Assert.Matches(@"Subtest fail: FAIL \(\d+\.\d{3}s\)", output);
    }

    [Fact]
    public void SkipPrintsRequirementAndLocation()
    {
        (int exit, string? output, string? err) = Run(s_fakes, new IgtCommandOptions { RunSubtest = "fake_a@skip" });
        Assert.Equal(IgtExitCode.Skip, exit);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int i = Array.FindIndex(lines, l => l.StartsWith("Test requirement not met", StringComparison.Ordinal));
        Assert.True(i > 0, output);
        Assert.Matches(@"^Test requirement not met in function \S+, file \S*RunnerTests\.cs:\d+:$", lines[i]);
        Assert.EndsWith($"RunnerTests.cs:{LineOf("t.Require(1 + 1 == 3)")}:", lines[i]);
        Assert.Equal("Test requirement: 1 + 1 == 3", lines[i + 1]);
        Assert.Matches(@"^Subtest skip: SKIP \(\d+\.\d{3}s\)$", lines[i + 2]);
        Assert.Equal("", err);
    }

    [Fact]
    public void UnexpectedExceptionIsACrash()
    {
        (IgtRunResult? result, string? output, string? err) = RunAll(s_fakes.Find("fake_b@crash")!);
        Assert.Equal(IgtResult.Crash, result.Records[0].Result);
        Assert.Equal("crash", result.Records[0].RunnerResult);
        Assert.Contains("CRITICAL: Unexpected exception System.InvalidOperationException: boom", err);
        Assert.Contains("Subtest crash failed.", err);
        Assert.Matches(@"Subtest crash: CRASH \(\d+\.\d{3}s\)", output);
        Assert.Equal(IgtExitCode.Failure, result.ExitCode);
    }

    [Fact]
    public void DynamicSubtestsReportEachAndAggregate()
    {
        IgtSubtest mixed = Container("fake_c", "dyn", t =>
        {
            t.Dynamic("ok", _ => { });
            t.Dynamic("bad", d => d.Assert(false));
            t.Dynamic("skipped", d => d.Skip("not here"));
        });
        IgtSubtest allSkipped = Container("fake_c", "dyn-skip", t => t.Dynamic("only", d => d.Skip("nothing to do")));
        (IgtRunResult? result, string? output, string? err) = RunAll(mixed, allSkipped);
        Assert.Contains("Starting dynamic subtest: ok\n", output);
        Assert.Matches(@"Dynamic subtest ok: SUCCESS \(\d+\.\d{3}s\)", output);
        Assert.Matches(@"Dynamic subtest bad: FAIL \(\d+\.\d{3}s\)", output);
        Assert.Matches(@"Dynamic subtest skipped: SKIP \(\d+\.\d{3}s\)", output);
        Assert.Contains("Dynamic subtest bad failed.", err);
        Assert.Matches(@"Subtest dyn: FAIL \(\d+\.\d{3}s\)", output);
        Assert.Matches(@"Subtest dyn-skip: SKIP \(\d+\.\d{3}s\)", output);
        Assert.Equal(["igt@fake_c@dyn", "igt@fake_c@dyn@ok", "igt@fake_c@dyn@bad", "igt@fake_c@dyn@skipped", "igt@fake_c@dyn-skip", "igt@fake_c@dyn-skip@only"],
            result.AllRecords.Select(r => r.Name));
        Assert.Equal(["fail", "pass", "fail", "skip", "skip", "skip"], result.AllRecords.Select(r => r.RunnerResult));
        Assert.Equal(IgtExitCode.Failure, result.ExitCode);
    }

    [Fact]
    public void DynamicFilterRunsOnlyMatchingParts()
    {
        IgtSubtest sub = Container("fake_c", "dyn", t => { foreach (string? n in new[] { "rcs0", "bcs0", "vcs0" }) { t.Dynamic(n, _ => { }); } });
        var stdout = new StringWriter();
        IgtRunResult result = new IgtRunner(new IgtRunOptions { DynamicFilter = "?cs0" }, stdout, new StringWriter()).Run([sub]);
        Assert.Equal(["igt@fake_c@dyn@rcs0", "igt@fake_c@dyn@bcs0", "igt@fake_c@dyn@vcs0"], result.Records[0].Dynamic.Select(d => d.Name));
        IgtRunResult filtered = new IgtRunner(new IgtRunOptions { DynamicFilter = "b*" }, new StringWriter(), new StringWriter()).Run([sub]);
        Assert.Equal(["igt@fake_c@dyn@bcs0"], filtered.Records[0].Dynamic.Select(d => d.Name));
        IgtRunResult negated = new IgtRunner(new IgtRunOptions { DynamicFilter = "*,!bcs0" }, new StringWriter(), new StringWriter()).Run([sub]);
        Assert.Equal(["igt@fake_c@dyn@rcs0", "igt@fake_c@dyn@vcs0"], negated.Records[0].Dynamic.Select(d => d.Name));
        IgtRunResult classed = new IgtRunner(new IgtRunOptions { DynamicFilter = "[rv]cs0" }, new StringWriter(), new StringWriter()).Run([sub]);
        Assert.Equal(["igt@fake_c@dyn@rcs0", "igt@fake_c@dyn@vcs0"], classed.Records[0].Dynamic.Select(d => d.Name));
    }

    /// <summary>
    /// igt_core's igt_success on leaving a container (igt_subtest_with_dynamic) that ran no dynamic subtest: igt_skip
    /// "No dynamic tests executed.". A per-engine subtest whose --dynamic-subtest filter matches no engine tested
    /// nothing, and must not report SUCCESS (exit 0).
    /// </summary>
    [Fact]
    public void ContainerThatRanNoDynamicSubtestIsSkipped()
    {
        (int exit, string? output, string _) = Run(IgtSuite.Catalog,
            new IgtCommandOptions { RunSubtest = "i915_hangman@engine-hang", DynamicSubtest = "no-such-engine" });
        Assert.Matches(@"Subtest engine-hang: SKIP \(\d+\.\d{3}s\)", output);
        Assert.Contains("No dynamic tests executed.", output);
        Assert.Equal(IgtExitCode.Skip, exit);
    }

    /// <summary>
    /// The container's rule on fakes: one whose engine loop found nothing is skipped, as is one whose every dynamic
    /// subtest skipped (igt_skip does not count those as executed); one that ran a dynamic subtest passes; and a
    /// plain subtest may not start dynamic subtests (internal_assert in __igt_run_dynamic_subtest).
    /// </summary>
    [Fact]
    public void ContainerResultFollowsTheDynamicSubtestsThatRan()
    {
        (IgtRunResult result, string output, string _) = RunAll(
            Container("fake_g", "found-nothing", _ => { }),
            Container("fake_g", "ran-one", t => { t.Dynamic("a", _ => { }); t.Dynamic("b", d => d.Skip("no b")); }),
            Sub("fake_g", "plain", t => t.Dynamic("a", _ => { })),
            Sub("fake_g", "plain-pass", _ => { }),
            Container("fake_g", "requirement", t => t.Require(1 + 1 == 3)));
        Assert.Equal([IgtResult.Skip, IgtResult.Success, IgtResult.Crash, IgtResult.Success, IgtResult.Skip], result.Records.Select(r => r.Result));
        // A container skipped by its own requirement reports that, not "No dynamic tests executed." (its body never
        // reached igt_success).
        Assert.DoesNotContain("No dynamic tests executed.", result.Records[4].Out);
        Assert.Contains("Test requirement: 1 + 1 == 3", result.Records[4].Out);
        Assert.Contains("No dynamic tests executed.", result.Records[0].Out);
        Assert.DoesNotContain("No dynamic tests executed.", result.Records[1].Out);
        Assert.Empty(result.Records[2].Dynamic);
        Assert.Contains("igt_dynamic is allowed only inside igt_subtest_with_dynamic", result.Records[2].Err);
        Assert.Matches(@"Subtest found-nothing: SKIP \(\d+\.\d{3}s\)", output);
    }

    [Fact]
    public void DriverWarningsMakeDmesgWarnUnlessExpected()
    {
        // A forced reset logs "GPU HANG" at warning level: unexpected unless the subtest allows hangs.
        static void Hang(IgtContext t) => t.Device.ForceReset();
        (IgtRunResult? result, string _, string _) = RunAll(
            Sub("fake_d", "unexpected", Hang),
            Sub("fake_d", "expected", Hang, IgtExpectations.Hang),
            Sub("fake_d", "fail-with-warning", t => { Hang(t); t.Assert(false); }),
            Sub("fake_d", "warn", t => t.Warn("something odd")));
        var byName = result.Records.ToDictionary(r => r.Name);
        Assert.Equal("dmesg-warn", byName["igt@fake_d@unexpected"].RunnerResult);
        Assert.Contains("<4>[", byName["igt@fake_d@unexpected"].Dmesg);
        Assert.Contains("GPU HANG: manual reset", byName["igt@fake_d@unexpected"].Dmesg);
        Assert.Equal("pass", byName["igt@fake_d@expected"].RunnerResult);
        Assert.Contains("GPU HANG: manual reset", byName["igt@fake_d@expected"].Dmesg);
        Assert.Equal("dmesg-fail", byName["igt@fake_d@fail-with-warning"].RunnerResult);
        Assert.Equal("warn", byName["igt@fake_d@warn"].RunnerResult);
        Assert.Contains("WARNING: something odd", byName["igt@fake_d@warn"].Err);
        Assert.Equal(IgtExitCode.Failure, result.ExitCode);
    }

    /// <summary>
    /// resultgen's add_dmesg: a test whose dmesg holds warnings that count gets them in "dmesg-warnings" as well, and
    /// override_result_single derives dmesg-warn / dmesg-fail from that field's presence; a test without such
    /// warnings has no "dmesg-warnings" at all, whatever its dmesg holds.
    /// </summary>
    [Fact]
    public void ResultsJsonCarriesTheWarningsThatCountInDmesgWarnings()
    {
        static void Hang(IgtContext t) => t.Device.ForceReset();
        (IgtRunResult result, string _, string _) = RunAll(
            Sub("fake_h", "unexpected", Hang),
            Sub("fake_h", "expected", Hang, IgtExpectations.Hang),
            Sub("fake_h", "fail-with-warning", t => { Hang(t); t.Assert(false); }),
            Sub("fake_h", "quiet", _ => { }));
        using var doc = JsonDocument.Parse(IgtResultsWriter.ToJson(result, "dmesg-warnings"));
        JsonElement tests = doc.RootElement.GetProperty("tests");
        foreach (string name in new[] { "igt@fake_h@unexpected", "igt@fake_h@fail-with-warning" })
        {
            JsonElement test = tests.GetProperty(name);
            string warnings = test.GetProperty("dmesg-warnings").GetString()!;
            Assert.Matches(@"^<4>\[ *\d+\.\d{6}\] GPU HANG: manual reset", warnings);
            Assert.Contains(warnings, test.GetProperty("dmesg").GetString());
        }
        Assert.Equal("dmesg-warn", tests.GetProperty("igt@fake_h@unexpected").GetProperty("result").GetString());
        Assert.Equal("dmesg-fail", tests.GetProperty("igt@fake_h@fail-with-warning").GetProperty("result").GetString());
        Assert.Contains("GPU HANG: manual reset", tests.GetProperty("igt@fake_h@expected").GetProperty("dmesg").GetString());
        Assert.False(tests.GetProperty("igt@fake_h@expected").TryGetProperty("dmesg-warnings", out _));
        Assert.False(tests.GetProperty("igt@fake_h@quiet").TryGetProperty("dmesg-warnings", out _));
    }

    [Fact]
    public void SubtestPastItsTimeoutIsAbandoned()
    {
        using var release = new ManualResetEventSlim(false);
        IgtSubtest stuck = Sub("fake_e", "stuck", _ => release.Wait(TimeSpan.FromSeconds(30)));
        var stderr = new StringWriter();
        IgtRunResult result = new IgtRunner(new IgtRunOptions { PerTestTimeout = TimeSpan.FromMilliseconds(200) }, new StringWriter(), stderr).Run([stuck]);
        release.Set();
        Assert.Equal(IgtResult.Timeout, result.Records[0].Result);
        Assert.Equal("timeout", result.Records[0].RunnerResult);
        Assert.Equal(IgtExitCode.Failure, result.ExitCode);
        Assert.Contains("still running after", stderr.ToString());
    }

    /// <summary>
    /// igt_runner kills a test that ran past its timeout: nothing it does afterwards reaches the next test's output.
    /// Here the abandoned body goes on running; when it later fails, its report ("Subtest stuck failed." and the
    /// debug dump on stderr) must not land in the next subtest's err, which would turn that pass into "warn"; and a
    /// dynamic subtest it starts afterwards does not run.
    /// </summary>
    [Fact]
    public void AnAbandonedSubtestDoesNotWriteIntoTheNextSubtestsOutput()
    {
        using var release = new ManualResetEventSlim(false);
        Thread? stuckThread = null;
        bool stuckEnded = false;
        bool dynamicRan = false;
        IgtSubtest stuck = Container("fake_e", "stuck", t =>
        {
            Volatile.Write(ref stuckThread, Thread.CurrentThread);
            release.Wait(TimeSpan.FromSeconds(30));
            t.Info("stuck: still here after the timeout");
            t.Dynamic("late", _ => Volatile.Write(ref dynamicRan, true));
            t.Assert(false);
        });
        IgtSubtest next = Sub("fake_e", "next", _ =>
        {
            release.Set();
            // The abandoned body has ended (reported its failure, or been kept quiet) before this subtest ends: the
            // join is bounded below this subtest's own timeout.
            stuckEnded = Volatile.Read(ref stuckThread)!.Join(TimeSpan.FromSeconds(1.5));
        });
        var stderr = new StringWriter();
        IgtRunResult result = new IgtRunner(new IgtRunOptions { PerTestTimeout = TimeSpan.FromSeconds(2) }, new StringWriter(), stderr)
            .Run([stuck, next]);
        Assert.True(stuckEnded);
        Assert.False(dynamicRan);
        IgtTestRecord record = result.Records[1];
        Assert.DoesNotContain("stuck", record.Out);
        Assert.DoesNotContain("stuck", record.Err);
        Assert.Equal("pass", record.RunnerResult);
        Assert.Equal("timeout", result.Records[0].RunnerResult);
        Assert.DoesNotContain("Subtest stuck failed.", stderr.ToString());
    }

    [Fact]
    public void ResultsJsonHasIgtRunnerLayout()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"igt-results-{Guid.NewGuid():N}");
        try
        {
            (int exit, string? output, string _) = Run(s_fakes, new IgtCommandOptions { ResultsDirectory = dir, Name = "fake-run" });
            Assert.Equal(IgtExitCode.Failure, exit);
            Assert.Contains("results.json", output);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
            JsonElement root = doc.RootElement;
            Assert.Equal("TestrunResult", root.GetProperty("__type__").GetString());
            Assert.Equal(10, root.GetProperty("results_version").GetInt32());
            Assert.Equal("fake-run", root.GetProperty("name").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("uname").GetString()));
            AssertTime(root.GetProperty("time_elapsed"));

            JsonElement tests = root.GetProperty("tests");
            Assert.Equal(["igt@fake_a@pass", "igt@fake_a@pass-too", "igt@fake_a@skip", "igt@fake_b@fail", "igt@fake_b@crash"],
                tests.EnumerateObject().Select(p => p.Name));
            foreach (JsonProperty t in tests.EnumerateObject())
            {
                foreach (string? key in new[] { "out", "err", "dmesg", "igt-version", "result" })
                {
                    Assert.Equal(JsonValueKind.String, t.Value.GetProperty(key).ValueKind);
                }

                Assert.StartsWith("IGT-Version: ", t.Value.GetProperty("igt-version").GetString());
                AssertTime(t.Value.GetProperty("time"));
                Assert.Equal(0, t.Value.GetProperty("time").GetProperty("start").GetDouble());
            }
            Assert.Equal("pass", tests.GetProperty("igt@fake_a@pass").GetProperty("result").GetString());
            Assert.Equal("skip", tests.GetProperty("igt@fake_a@skip").GetProperty("result").GetString());
            Assert.Equal("fail", tests.GetProperty("igt@fake_b@fail").GetProperty("result").GetString());
            Assert.Equal("crash", tests.GetProperty("igt@fake_b@crash").GetProperty("result").GetString());
            Assert.Contains("Starting subtest: pass-too", tests.GetProperty("igt@fake_a@pass-too").GetProperty("out").GetString());
            Assert.Contains("Failed assertion: 1 + 1 == 3", tests.GetProperty("igt@fake_b@fail").GetProperty("err").GetString());

            JsonElement totals = root.GetProperty("totals");
            Assert.Equal(["", "root", "igt@fake_a", "igt@fake_b"], totals.EnumerateObject().Select(p => p.Name));
            foreach (JsonProperty group in totals.EnumerateObject())
            {
                Assert.Equal(IgtResultsWriter.ResultKeys, group.Value.EnumerateObject().Select(p => p.Name));
            }

            Assert.Equal(2, totals.GetProperty("igt@fake_a").GetProperty("pass").GetInt32());
            Assert.Equal(1, totals.GetProperty("igt@fake_a").GetProperty("skip").GetInt32());
            Assert.Equal(1, totals.GetProperty("igt@fake_b").GetProperty("fail").GetInt32());
            Assert.Equal(1, totals.GetProperty("igt@fake_b").GetProperty("crash").GetInt32());
            Assert.Equal(2, totals.GetProperty("root").GetProperty("pass").GetInt32());
            Assert.Equal(5, totals.GetProperty("").EnumerateObject().Sum(p => p.Value.GetInt32()));

            JsonElement runtimes = root.GetProperty("runtimes");
            Assert.Equal(["igt@fake_a", "igt@fake_b"], runtimes.EnumerateObject().Select(p => p.Name));
            AssertTime(runtimes.GetProperty("igt@fake_a").GetProperty("time"));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void InvalidNamesAreRejected()
    {
        var builder = new IgtBinaryBuilder("fake_f");
        Assert.Throws<ArgumentException>(() => builder.Subtest("has space", _ => { }));
        Assert.Throws<ArgumentException>(() => builder.Subtest("dot.ted", _ => { }));
        builder.Subtest("ok-name_1", _ => { });
        Assert.Throws<ArgumentException>(() => builder.Subtest("ok-name_1", _ => { }));
        Assert.Throws<ArgumentException>(() => new IgtBinaryBuilder("bad@binary"));
        (IgtRunResult? result, string _, string _) = RunAll(Container("fake_f", "bad-dynamic", t => t.Dynamic("no/slash", _ => { })));
        Assert.Equal(IgtResult.Crash, result.Records[0].Result);
    }

    [Fact]
    public void DefaultCatalogIsWellFormed()
    {
        IgtCatalog catalog = IgtSuite.Catalog;
        Assert.True(catalog.Subtests.Count >= 45, $"{catalog.Subtests.Count} subtests");
        Assert.All(catalog.Subtests, s => Assert.Matches("^igt@[A-Za-z0-9_-]+@[A-Za-z0-9_-]+$", s.FullName));
        Assert.Contains(catalog.Subtests, s => s.FullName == "igt@gem_eio@in-flight-external");
        Assert.Contains(catalog.Subtests, s => s.FullName == "igt@i915_hangman@engine-hang");
    }

    private static void AssertTime(JsonElement time)
    {
        Assert.Equal("TimeAttribute", time.GetProperty("__type__").GetString());
        Assert.True(time.GetProperty("end").GetDouble() >= time.GetProperty("start").GetDouble());
    }

    /// <summary>The 1-based line of this file holding <paramref name="text"/> (for the reported assertion location).</summary>
    private static int LineOf(string text, [System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Array.FindIndex(File.ReadAllLines(file), l => l.Contains(text, StringComparison.Ordinal)) + 1;
}
