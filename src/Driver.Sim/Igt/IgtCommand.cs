using System.CommandLine;
using Driver.Igt;
using Driver.Igt.Subtests;

namespace Driver.Sim.Igt;

/// <summary>
/// <c>gpusim igt</c>: lists, describes and runs the IGT-style subtests with IGT's console output and exit codes
/// (0 success, 77 all skipped, 79 no such subtest, 98 a failure), and writes igt_runner's results.json.
/// </summary>
public static class IgtCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var list = new Option<bool>("--list-subtests") { Description = "List the subtests (igt@binary@subtest) and exit" };
        var run = new Option<string?>("--run-subtest") { Description = "Run only subtests matching these comma-separated globs over binary@subtest or igt@binary@subtest" };
        var dynamic = new Option<string?>("--dynamic-subtest") { Description = "Run only dynamic subtests matching these globs" };
        var results = new Option<string?>("--results") { Description = "Write igt_runner's results.json into this directory" };
        var name = new Option<string?>("--name") { Description = "Name of the run in results.json" };
        var testlist = new Option<bool>("--show-testlist") { Description = "Print the subtests with their descriptions and exit" };
        var describe = new Option<string?>("--describe") { Description = "Describe the subtests matching a glob (all without one) and exit", Arity = ArgumentArity.ZeroOrOne };
        var debug = new Option<bool>("--debug") { Description = "Print debug log lines as they are logged" };
        var timeout = new Option<int?>("--per-test-timeout") { Description = "Abandon a subtest still running after this many seconds (default 120)" };
        var trace = new Option<string?>("--trace") { Description = "Write a Chrome trace (Perfetto, chrome://tracing) of every subtest's device to FILE" };
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
            PerTestTimeout = TimeSpan.FromSeconds(pr.GetValue(timeout) ?? 120),
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
            subtests = subtests.Where(s => IgtGlob.IsMatch(pattern, s.ShortName) || IgtGlob.IsMatch(pattern, s.Name)).ToList();
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
        IgtTraceCollector? collector = options.TracePath is null ? null : new IgtTraceCollector();
        var runner = new IgtRunner(new IgtRunOptions
        {
            Trace = collector,
            Debug = options.Debug,
            DynamicFilter = options.DynamicSubtest,
            PerTestTimeout = options.PerTestTimeout,
            LockdepAsDmesg = true,
        }, stdout, stderr);
        IgtRunResult result = runner.Run(subtests);
        if (options.ResultsDirectory is { } dir)
        {
            string path = IgtResultsWriter.WriteTo(dir, result, options.Name);
            stdout.WriteLine($"Results written to {path}");
        }
        if (collector is not null && options.TracePath is { } tracePath)
        {
            collector.WriteFile(tracePath, options.Name);
            stdout.WriteLine($"Trace of {collector.Count} device(s) written to {tracePath}");
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
