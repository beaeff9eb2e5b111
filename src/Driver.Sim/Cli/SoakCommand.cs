using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Driver.Engines.Gt;
using Driver.Sim.Logging;
using Driver.Sim.Progress;
using Driver.Sim.Soak;
using Driver.Sim.Tracing;
using Serilog.Core;
using Serilog.Events;

namespace Driver.Sim.Cli;

/// <summary>
/// <c>gpusim soak --seconds S [--seed N] [--threads T] [--wedge-strategy …] [--trace FILE] [--json FILE] [--quiet]</c>:
/// random hang injection against verifying submitters for S seconds, a bounded drain, then the invariant check.
/// Exits 0 when the invariant held, 1 (printing the seed) when it did not, 2 for a bad command line.
/// </summary>
public static class SoakCommand
{
    /// <summary>Builds the command; its action writes to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to submit and inject hangs", HelpName = "S", DefaultValueFactory = _ => 10 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the random choices (a random one when left out; printed either way)", HelpName = "N" };
        var threads = new Option<int>("--threads") { Description = "Submitting threads", HelpName = "T", DefaultValueFactory = _ => 2 };
        Option<string?> wedge = CommonOptions.WedgeStrategy("Wedge strategy of the device (epoch by default)");
        Option<string?> trace = CommonOptions.Trace();
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to FILE", HelpName = "FILE" };
        Option<bool> quiet = CommonOptions.Quiet();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging on the console" };
        var log = new Option<string?>("--log") { Description = "Write the log (Information and up) to FILE", HelpName = "FILE" };
        Option<string> logFormat = CommonOptions.LogFormat();

        var command = new Command("soak", "Random hang injection (spinners, forced engine and full resets, wedge and unwedge) against " +
            "submitters storing verifiable values; checks that every fence signals once with ok, -EIO or -EAGAIN and that every ok or -EAGAIN batch's stores landed");
        foreach (Option o in new Option[] { seconds, seed, threads, wedge, trace, json, quiet, verbose, log, logFormat })
        {
            command.Options.Add(o);
        }

        command.Validators.Add(result =>
        {
            // Only options given on the command line are checked here (their defaults are valid).
            if (result.GetResult(seconds) is not null && result.GetValue(seconds) is <= 0 or > 86_400)
            {
                result.AddError("--seconds must be more than 0 and at most 86400");
            }

            if (result.GetResult(threads) is not null && result.GetValue(threads) is < 1 or > 64)
            {
                result.AddError("--threads must be between 1 and 64");
            }
        });
        command.SetAction(parse => Execute(new SoakSettings
        {
            Seconds = parse.GetValue(seconds),
            Seed = parse.GetValue(seed) ?? Random.Shared.Next(1, int.MaxValue),
            Threads = parse.GetValue(threads),
            WedgeStrategy = CommonOptions.ParseWedgeStrategy(parse.GetValue(wedge)) ?? WedgeStrategy.Epoch,
            TracePath = parse.GetValue(trace),
            JsonPath = parse.GetValue(json),
            Quiet = parse.GetValue(quiet),
            Verbose = parse.GetValue(verbose),
            LogPath = parse.GetValue(log),
            LogFormat = CommonOptions.ParseLogFormat(parse.GetValue(logFormat)),
        }, stdout, stderr));
        return command;
    }

    /// <summary>Runs a soak with parsed settings; returns the exit code.</summary>
    public static int Execute(SoakSettings settings, TextWriter stdout, TextWriter stderr)
    {
        foreach ((string? path, string? what) in new[] { (settings.JsonPath, "results"), (settings.TracePath, "trace"), (settings.LogPath, "log") })
        {
            if (path is null || OutputFile.TryCreate(path, out string? problem))
            {
                continue;
            }

            stderr.WriteLine($"gpusim: cannot write the {what} to {path}: {problem}");
            return ExitCodes.Usage;
        }
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        TraceRecorder? recorder = settings.TracePath is not null ? new TraceRecorder() : null;
        var progress = new SoakProgress(duration);
        // Hangs, failed resets and wedges are the point of a soak: the driver's lines about them go to the log file
        // (--log); the console keeps only failures of recovery itself, and the summary counts the rest.
        var logOptions = new LogOptions { Verbose = settings.Verbose, File = settings.LogPath, Format = settings.LogFormat, ConsoleLevel = LogEventLevel.Fatal };
        SoakResult result;
        using (Logger logger = LogSetup.Create(stderr, logOptions))
        {
            var options = new SoakOptions
            {
                Duration = duration,
                Seed = settings.Seed,
                Threads = settings.Threads,
                WedgeStrategy = settings.WedgeStrategy,
                Log = logger,
                Trace = recorder,
                Progress = progress,
            };
            try
            {
                result = ProgressDisplay.Run(ProgressDisplay.Enabled(stdout, settings.Quiet), progress, () => new SoakRunner(options).Run());
            }
            catch (AggregateException e)
            {
                stderr.WriteLine($"gpusim: the soak could not be completed: {e.Message} (seed {settings.Seed})");
                foreach (Exception inner in e.InnerExceptions)
                {
                    stderr.WriteLine($"gpusim:   {inner}");
                }

                return ExitCodes.Failed;
            }
        }
        if (recorder is not null)
        {
            ChromeTraceWriter.WriteFile(recorder.Build("soak", settings.Seed), settings.TracePath!);
        }

        if (settings.JsonPath is { } jsonPath)
        {
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }) + Environment.NewLine);
        }

        PrintSummary(result, stdout);
        return result.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Prints the soak's summary lines.</summary>
    public static void PrintSummary(SoakResult r, TextWriter o)
    {
        o.WriteLine($"gpusim soak: {F(r.Seconds)} s + {F(r.DrainSeconds)} s drain, seed {r.Seed}, {r.Threads} submitting threads, wedge strategy {r.WedgeStrategy}");
        o.WriteLine($"  requests:  {N(r.Requests)} submitted ({N(r.Batches)} batches, {N(r.Spinners)} spinners), refused {Counts(r.Refused)}");
        o.WriteLine($"  fences:    {Counts(r.Statuses)}, unsignaled {N(r.Unsignaled)}");
        o.WriteLine($"  stores:    {N(r.StoresVerified)} verified, {N(r.StoresMismatched)} mismatched, {N(r.StoresStray)} stray, {N(r.StoresSkipped)} skipped (failed batches)");
        o.WriteLine($"  recovery:  {N(r.Hangs)} hangs, {N(r.EngineResets)} engine resets, {N(r.FullResets)} full resets, {N(r.FailedResets)} failed, " +
            $"{N(r.Wedges)} wedges, {N(r.ContextsBanned)} contexts and {N(r.ClientsBanned)} clients banned{(r.WedgedAtEnd ? ", WEDGED at the end" : "")}");
        o.WriteLine($"  injected:  {Counts(r.Injected)}");
        if (r.Passed)
        {
            o.WriteLine("  invariant: held (every fence signalled once with ok, -EIO or -EAGAIN; every ok or -EAGAIN batch's stores landed)");
            return;
        }
        o.WriteLine($"  invariant: VIOLATED {N(r.Violations)} times");
        foreach (string sample in r.ViolationSamples)
        {
            o.WriteLine($"    {sample}");
        }

        o.WriteLine($"  reproduce with: gpusim soak --seconds {F(r.Seconds)} --seed {r.Seed} --threads {r.Threads} --wedge-strategy {r.WedgeStrategy}");
    }

    private static string Counts(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key} {N(kv.Value)}"));

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
}
