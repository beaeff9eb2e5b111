using System.CommandLine;
using Driver.Igt;
using Driver.Igt.Subtests;
using Driver.Sim.Cli;

namespace Driver.Sim.Igt;

/// <summary>
/// <c>gpusim igt</c>: lists, describes and runs the IGT-style subtests with IGT's console output and exit codes
/// (0 success, 77 all skipped, 79 no such subtest, 98 a failure; 2 for an output that cannot be written), and
/// writes igt_runner's results.json.
/// </summary>
public static class IgtCommand
{
    /// <summary>The largest <c>--per-test-timeout</c>, in seconds (a day).</summary>
    public const int MaxPerTestTimeoutSeconds = 86_400;

    /// <summary>The per-test timeout for <paramref name="seconds"/>: 0 is none (igt_runner's meaning), so wait forever.</summary>
    public static TimeSpan PerTestTimeout(int seconds) => seconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var list = new Option<bool>("--list-subtests") { Description = "List the subtests (igt@binary@subtest) and exit" };
        var run = new Option<string?>("--run-subtest") { Description = "Run only subtests matching these comma-separated globs over binary@subtest or igt@binary@subtest (uwildmat: !glob excludes, the last match decides; [..] classes)" };
        var dynamic = new Option<string?>("--dynamic-subtest") { Description = "Run only dynamic subtests matching these globs" };
        var results = new Option<string?>("--results") { Description = "Write igt_runner's results.json into this directory (created when missing)", HelpName = "DIR" };
        var name = new Option<string?>("--name") { Description = "Name of the run in results.json" };
        var testlist = new Option<bool>("--show-testlist") { Description = "Print the subtests with their descriptions and exit" };
        var describe = new Option<string?>("--describe") { Description = "Describe the subtests matching a glob (all without one) and exit", Arity = ArgumentArity.ZeroOrOne };
        var debug = new Option<bool>("--debug") { Description = "Print debug log lines as they are logged" };
        // igt_runner's --per-test-timeout: 0 turns the timeout off. Capped at a day: past that it is "off" in effect,
        // and Thread.Join cannot wait longer than int.MaxValue ms (24.8 days) anyway.
        Option<int?> timeout = NumberOptions.Int("--per-test-timeout", 0, MaxPerTestTimeoutSeconds,
            $"Abandon a subtest still running after this many seconds (default 120; 0 for no timeout; at most {MaxPerTestTimeoutSeconds})", "S");
        var trace = new Option<string?>("--trace") { Description = "Write a Chrome trace (Perfetto, chrome://tracing) of every subtest's device to FILE ('-' for stdout)", HelpName = "FILE" };
        var cmd = new Command("igt", "Run the IGT-style hang and reset test suite against simulated devices");
        foreach (Option o in new Option[] { list, run, dynamic, results, name, testlist, describe, debug, timeout, trace })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(pr => Run(IgtSuite.Catalog, new IgtCommandOptions
        {
            ListSubtests = pr.GetValue(list),
            RunSubtest = pr.GetValue(run),
            DynamicSubtest = pr.GetValue(dynamic),
            ResultsDirectory = pr.GetValue(results),
            Name = pr.GetValue(name) ?? "gpusim-igt",
            ShowTestlist = pr.GetValue(testlist),
            Describe = pr.GetResult(describe) is null ? null : pr.GetValue(describe) ?? "*",
            Debug = pr.GetValue(debug),
            PerTestTimeout = PerTestTimeout(pr.GetValue(timeout) ?? 120),
            TracePath = pr.GetValue(trace),
        }, pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error));
        return cmd;
    }

    /// <summary>Does what <paramref name="options"/> asks with <paramref name="catalog"/>; returns the exit code.</summary>
    public static int Run(IgtCatalog catalog, IgtCommandOptions options, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyList<IgtSubtest> subtests = catalog.Match(options.RunSubtest);
        if (options.Describe is { } pattern)
        {
            subtests = subtests.Where(s => IgtGlob.IsMatch(pattern, [s.ShortName, s.Name])).ToList();
        }

        if (subtests.Count == 0)
        {
            stderr.WriteLine($"Unknown subtest: {options.RunSubtest ?? options.Describe}");
            return IgtExitCode.Invalid;
        }
        if (options.ListSubtests)
        {
            foreach (IgtSubtest s in subtests)
            {
                stdout.WriteLine(s.FullName);
            }

            return IgtExitCode.Success;
        }
        if (options.ShowTestlist || options.Describe is not null)
        {
            Describe(subtests, stdout);
            return IgtExitCode.Success;
        }
        // Checked before the first subtest: a results directory that cannot be written would otherwise lose the run.
        Outputs outputs = new Outputs()
            .Directory("--results", "results", options.ResultsDirectory)
            .File("--trace", "trace", options.TracePath);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }
        if (options.PerTestTimeout != Timeout.InfiniteTimeSpan && (options.PerTestTimeout < TimeSpan.Zero || options.PerTestTimeout > TimeSpan.FromSeconds(MaxPerTestTimeoutSeconds)))
        {
            return CliMessages.Usage(stderr, "igt", $"--per-test-timeout must be 0 (none) to {MaxPerTestTimeoutSeconds} seconds");
        }
        // With the trace on stdout, the IGT console output goes to stderr so stdout stays valid JSON.
        TextWriter console = outputs.UsesStdout ? stderr : stdout;
        IgtTraceCollector? collector = options.TracePath is null ? null : new IgtTraceCollector();
        var runner = new IgtRunner(new IgtRunOptions
        {
            Trace = collector,
            Debug = options.Debug,
            DynamicFilter = options.DynamicSubtest,
            PerTestTimeout = options.PerTestTimeout,
            LockdepAsDmesg = true,
        }, console, stderr);
        IgtRunResult result = runner.Run(subtests);
        if (options.ResultsDirectory is { } dir)
        {
            string path = Path.Combine(dir, "results.json");
            OutputFile.WriteAllText(path, IgtResultsWriter.ToJson(result, options.Name), stdout);
            console.WriteLine($"Results written to {path}");
        }
        if (collector is not null && options.TracePath is { } tracePath)
        {
            IReadOnlyList<Tracing.TraceModel> models = collector.Build();
            OutputFile.Write(tracePath, s => Tracing.ChromeTraceWriter.Write(models, options.Name, s), stdout);
            console.WriteLine($"Trace of {models.Count} device(s) written to {tracePath}");
            TraceNotes.ReportDropped(models.Sum(m => m.DroppedRequests), stderr);
        }
        return result.ExitCode;
    }

    private static void Describe(IReadOnlyList<IgtSubtest> subtests, TextWriter stdout)
    {
        foreach (IGrouping<string, IgtSubtest> group in subtests.GroupBy(s => s.Binary))
        {
            stdout.WriteLine($"{group.Key}:");
            foreach (IgtSubtest? s in group)
            {
                stdout.WriteLine($"SUB {s.Name}:");
                stdout.WriteLine($"  {s.Description ?? "NO DOCUMENTATION!"}");
            }
        }
    }
}
